import { expect } from 'chai';
import { Startup, TPM_SU, Tpm } from '@vtpm/tpm';
import {
  PTM_BLOB_TYPE, PTM_CONFIG_FLAG, PTM_INIT_FLAG_DELETE_VOLATILE, PTM_RES, PTM_STATE_FLAG, StateKey, SwtpmControlClient, SwtpmServer, deliverStateBlobs, fetchStateBlobs,
} from '../src/index.js';
import { RawClient, hex } from './support/rawClient.js';
import { CMD, RSP } from './support/tpmCommands.js';
import { connectClient, inspect, populate, shutdownState, useSavedSession } from './support/tpmWorkload.js';

/**
 * Two in-process servers, the control channel of each, and the log lines each wrote. Their TPMs'
 * clocks stand still: Time is part of the volatile state, and a blob taken a millisecond later differs.
 */
async function twoServers(opts: { source?: { migrationKey?: StateKey }; destination?: { migrationKey?: StateKey } } = {}) {
  const logs: string[] = [];
  const now = () => 1_000_000;
  const source = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm: new Tpm({ now }), ...opts.source, log: (m) => logs.push(`source: ${m}`) });
  const destination = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm: new Tpm({ now }), ...opts.destination, log: (m) => logs.push(`destination: ${m}`) });
  const sourceCtrl = await SwtpmControlClient.connect('127.0.0.1', source.ctrlPort);
  const destinationCtrl = await SwtpmControlClient.connect('127.0.0.1', destination.ctrlPort);
  return {
    source,
    destination,
    sourceCtrl,
    destinationCtrl,
    logs,
    async close() {
      await Promise.all([sourceCtrl.close(), destinationCtrl.close()]);
      await Promise.all([source.close(), destination.close()]);
    },
  };
}

describe('swtpm state blobs: moving a vTPM between servers', () => {
  it('reproduces PCRs, NV, persistent objects and (after Shutdown(STATE)) saved sessions', async () => {
    const s = await twoServers();
    try {
      const src = await connectClient(s.source.port);
      const saved = await populate(src.client);
      const before = await inspect(src.client);
      await shutdownState(src.client);
      await src.close();
      await deliverStateBlobs(s.destinationCtrl, await fetchStateBlobs(s.sourceCtrl));
      const dst = await connectClient(s.destination.port);
      await dst.client.run(Startup, { params: { startupType: TPM_SU.STATE } });
      expect(await inspect(dst.client)).to.deep.equal(before);
      await useSavedSession(dst.client, saved);
      await dst.close();
    } finally {
      await s.close();
    }
  });

  it('blob -> vTPM -> blob is byte-identical (permanent, volatile, savestate), plain and under a migration key', async () => {
    for (const migrationKey of [undefined, StateKey.fromPassphrase(Buffer.from('move me'), 'pbkdf2', 1000)]) {
      const destinationKey = migrationKey && StateKey.fromPassphrase(Buffer.from('move me'), 'pbkdf2', 1000);
      const s = await twoServers({ source: { migrationKey }, destination: { migrationKey: destinationKey } });
      try {
        const src = await connectClient(s.source.port);
        await populate(src.client); // running, with loaded session and PCRs: a live volatile state
        await src.close();
        const blobs = await fetchStateBlobs(s.sourceCtrl);
        expect(blobs.map((b) => b.result)).to.deep.equal([0, 0, 0]);
        await deliverStateBlobs(s.destinationCtrl, blobs);
        const again = await fetchStateBlobs(s.destinationCtrl);
        for (const i of [0, 1, 2]) expect(again[i]!.blob.equals(blobs[i]!.blob), `blob type ${i + 1}`).to.equal(true);
        // the move resumed the TPM: no Startup needed, the session is still loaded
        const dst = await connectClient(s.destination.port);
        expect((await inspect(dst.client)).nv).to.equal('survives the move');
        await dst.close();
      } finally {
        await s.close();
      }
    }
  });

  it("replays QEMU's migration byte for byte (tpm_emulator.c pre_save / post_load)", async () => {
    const s = await twoServers();
    try {
      const src = await connectClient(s.source.port);
      const saved = await populate(src.client);
      await shutdownState(src.client);
      await src.close();
      // source, pre_save: GET_STATEBLOB x3, state_flags DECRYPTED, offset 0; header read, then totlength bytes
      const q = await RawClient.connect(s.source.ctrlPort);
      const blobs: { flags: number; blob: Buffer }[] = [];
      for (const type of [1, 2, 3]) {
        await q.write(`0000000c 00000001 0000000${type} 00000000`);
        const head = hex(await q.read(16));
        const [res, flags, totlength, length] = [0, 4, 8, 12].map((o) => head.readUInt32BE(o));
        expect(res === 0 || (res & 0x800) !== 0).to.equal(true);
        expect(totlength).to.equal(length);
        blobs.push({ flags: flags!, blob: totlength ? hex(await q.read(totlength!)) : Buffer.alloc(0) });
      }
      q.close();
      // destination, post_load: CMD_STOP; per non-empty blob the 12-byte SET_STATEBLOB header, then the blob, then a u32 result; CMD_INIT(DELETE_VOLATILE)
      const d = await RawClient.connect(s.destination.ctrlPort);
      await d.write('0000000e');
      expect(await d.read(4)).to.equal('00000000');
      for (const [i, { flags, blob }] of blobs.entries()) {
        if (blob.length === 0) continue;
        const header = Buffer.alloc(16);
        header.writeUInt32BE(13, 0);
        header.writeUInt32BE(flags, 4);
        header.writeUInt32BE(i + 1, 8);
        header.writeUInt32BE(blob.length, 12);
        await d.write(header);
        await d.write(blob);
        expect(await d.read(4), `SET_STATEBLOB ${i + 1}`).to.equal('00000000');
      }
      await d.write('00000002 00000001');
      expect(await d.read(4)).to.equal('00000000');
      d.close();
      expect(blobs.filter((b) => b.blob.length > 0)).to.have.length(3);
      const dst = await connectClient(s.destination.port);
      await dst.client.run(Startup, { params: { startupType: TPM_SU.STATE } });
      await useSavedSession(dst.client, saved);
      await dst.close();
    } finally {
      await s.close();
    }
  });
});

describe('swtpm state blobs: keys and refusals', () => {
  const migrationKey = () => StateKey.fromBytes(Buffer.alloc(32, 0x42));

  it('GET_CONFIG reports the migration key; blobs leave sealed (no plaintext), ENCRYPTED only for a state-key seal', async () => {
    const s = await twoServers({ source: { migrationKey: migrationKey() } });
    try {
      const c = await RawClient.connect(s.source.ctrlPort);
      await c.write('0000000f');
      expect(await c.read(8)).to.equal('00000000' + PTM_CONFIG_FLAG.MIGRATION_KEY.toString(16).padStart(8, '0'));
      c.close();
      const src = await connectClient(s.source.port);
      await populate(src.client);
      await src.close();
      const [permanent] = await fetchStateBlobs(s.sourceCtrl);
      expect(permanent!.flags & PTM_STATE_FLAG.ENCRYPTED).to.equal(0);
      expect(permanent!.blob.includes(Buffer.from('survives the move'))).to.equal(false);
    } finally {
      await s.close();
    }
  });

  for (const [what, destinationKey, damage, code, logged] of [
    ['a wrong migration key', StateKey.fromBytes(Buffer.alloc(32, 0x43)), (b: Buffer) => b, PTM_RES.DECRYPT_ERROR, /wrong key: --migration-key does not match/],
    ['no migration key', undefined, (b: Buffer) => b, PTM_RES.KEYNOTFOUND, /give --migration-key/],
    ['a flipped byte', migrationKey(), (b: Buffer) => ((b[100]! ^= 4), b), PTM_RES.BAD_PARAMETER, /damaged: checksum mismatch/],
    ['a truncated blob', migrationKey(), (b: Buffer) => b.subarray(0, b.length - 7), PTM_RES.BAD_PARAMETER, /truncated/],
  ] as const) {
    it(`SET_STATEBLOB with ${what} fails (0x${code.toString(16)}), and the following INIT refuses to start`, async () => {
      const s = await twoServers({ source: { migrationKey: migrationKey() }, destination: { migrationKey: destinationKey } });
      try {
        const src = await connectClient(s.source.port);
        await populate(src.client);
        await src.close();
        const [permanent] = await fetchStateBlobs(s.sourceCtrl);
        expect(await s.destinationCtrl.stop()).to.equal(0);
        expect(await s.destinationCtrl.setStateBlob(PTM_BLOB_TYPE.PERMANENT, damage(Buffer.from(permanent!.blob)))).to.equal(code);
        expect(await s.destinationCtrl.init(PTM_INIT_FLAG_DELETE_VOLATILE)).to.equal(PTM_RES.FAIL);
        const data = await RawClient.connect(s.destination.port);
        await data.write(CMD.getRandom8);
        expect(await data.read(10)).to.equal(RSP.failure); // not a blank TPM
        data.close();
        expect(s.logs.join('\n')).to.match(logged);
        expect(s.logs.join('\n')).to.match(/CMD_INIT: the TPM does not start/);
      } finally {
        await s.close();
      }
    });
  }

  it('a volatile blob of another permanent state makes INIT refuse; STOP forgets refused blobs', async () => {
    const s = await twoServers();
    try {
      const src = await connectClient(s.source.port);
      await populate(src.client);
      const [, oldVolatile] = await fetchStateBlobs(s.sourceCtrl);
      await src.client.run(Startup, { params: { startupType: TPM_SU.CLEAR } }).catch(() => undefined);
      const { NV_Write, TPM_RH } = await import('@vtpm/tpm');
      await src.client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: 0x01500001 }, auth: [{ password: '' }], params: { data: Buffer.from('x'), offset: 0 } });
      await src.close();
      const [permanent] = await fetchStateBlobs(s.sourceCtrl);
      await s.destinationCtrl.stop();
      expect(await s.destinationCtrl.setStateBlob(1, permanent!.blob)).to.equal(0);
      expect(await s.destinationCtrl.setStateBlob(2, oldVolatile!.blob)).to.equal(0);
      expect(await s.destinationCtrl.init(1)).to.equal(PTM_RES.FAIL);
      expect(s.logs.join('\n')).to.match(/the volatile blob \(generation \d+\) does not belong to the permanent state/);
      await s.destinationCtrl.stop();
      expect(await s.destinationCtrl.setStateBlob(1, permanent!.blob)).to.equal(0);
      expect(await s.destinationCtrl.init(1)).to.equal(0);
    } finally {
      await s.close();
    }
  });
});
