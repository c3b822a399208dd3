import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NV_Write, TPM_RH, restoreTpm } from '@vtpm/tpm';
import { StateFiles, StateKey, StateStore, StorageLock, SwtpmControlClient, SwtpmServer, TpmStateKeeper } from '../src/index.js';
import { RawClient } from './support/rawClient.js';
import { CMD, RSP } from './support/tpmCommands.js';
import { NV_INDEX, connectClient, inspect, populate } from './support/tpmWorkload.js';
import { useTempDir } from './support/tempDir.js';

const KEY = StateKey.fromBytes(Buffer.alloc(32, 3));
const PW = [{ password: '' }];

describe('swtpm server with a state directory', () => {
  const dir = useTempDir('vtpm-persist-');
  const logs: string[] = [];
  beforeEach(() => (logs.length = 0));

  async function serve(resumeVolatile = true) {
    const store = new StateStore({ files: new StateFiles(dir()), stateKey: KEY });
    const { keeper, origin } = await TpmStateKeeper.start({ store, resumeVolatile });
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0, keeper, log: (m) => logs.push(m) });
    return { server, origin };
  }
  /** The state as a new process would load it from the directory now. */
  async function onDisk() {
    const loaded = (await new StateStore({ files: new StateFiles(dir()), stateKey: KEY }).load())!;
    return { loaded, tpm: restoreTpm({ permanent: loaded.permanent, volatile: loaded.volatile?.payload }) };
  }

  it('an acknowledged NV write is on disk when its response arrives', async () => {
    const { server, origin } = await serve();
    expect(origin).to.equal('fresh');
    const c = await connectClient(server.port);
    try {
      await populate(c.client);
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`write ${i}`.padEnd(17));
        await c.client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: PW, params: { data, offset: 0 } });
        const { tpm } = await onDisk(); // before anything else happens
        expect(tpm.nv.get(NV_INDEX)!.data.subarray(0, data.length).toString()).to.equal(data.toString());
      }
    } finally {
      await c.close();
      await server.close();
    }
  });

  it('a clean stop stores the volatile state; the next start resumes it once (no Startup, same PCRs)', async () => {
    const first = await serve();
    const c = await connectClient(first.server.port);
    await populate(c.client);
    const before = await inspect(c.client);
    await c.close();
    await first.server.close();
    expect(existsSync(join(dir(), 'tpm2-00.volatilestate'))).to.equal(true);
    const second = await serve();
    expect(second.origin).to.equal('resumed');
    expect(existsSync(join(dir(), 'tpm2-00.volatilestate'))).to.equal(false); // a crash from now on is a power cycle
    const d = await connectClient(second.server.port);
    expect(await inspect(d.client)).to.deep.equal(before);
    await d.close();
    await second.server.close();
  });

  it('STORE_VOLATILE then INIT with DELETE_VOLATILE resumes; INIT without it is a power-on that drops the stored volatile state', async () => {
    const { server } = await serve();
    const ctrl = await SwtpmControlClient.connect('127.0.0.1', server.ctrlPort);
    const c = await connectClient(server.port);
    const raw = async () => {
      const r = await RawClient.connect(server.port);
      await r.write(CMD.getRandom8);
      const answer = await r.read(10);
      r.close();
      return answer;
    };
    try {
      await populate(c.client);
      const before = await inspect(c.client);
      expect(await ctrl.storeVolatile()).to.equal(0);
      expect(await ctrl.init(1)).to.equal(0);
      expect(await inspect(c.client)).to.deep.equal(before); // resumed: no Startup
      expect(existsSync(join(dir(), 'tpm2-00.volatilestate'))).to.equal(false);
      expect(await ctrl.storeVolatile()).to.equal(0);
      expect(await ctrl.init(0)).to.equal(0);
      expect(existsSync(join(dir(), 'tpm2-00.volatilestate'))).to.equal(false);
      expect(await raw()).to.equal(RSP.initialize); // powered on: Startup needed
    } finally {
      await c.close();
      await ctrl.close();
      await server.close();
    }
  });

  it('a stored volatile state the permanent state has moved past is not resumed (INIT is then a power-on)', async () => {
    const { server } = await serve();
    const ctrl = await SwtpmControlClient.connect('127.0.0.1', server.ctrlPort);
    const c = await connectClient(server.port);
    try {
      await populate(c.client);
      expect(await ctrl.storeVolatile()).to.equal(0);
      await c.client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: PW, params: { data: Buffer.from('newer'), offset: 0 } });
      expect(await ctrl.init(1)).to.equal(0);
      const failed = await inspect(c.client).catch((e: Error) => e);
      expect(String(failed)).to.match(/TPM_RC_INITIALIZE/);
      expect(existsSync(join(dir(), 'tpm2-00.volatilestate'))).to.equal(false);
    } finally {
      await c.close();
      await ctrl.close();
      await server.close();
    }
  });

  it('a write that fails answers TPM_RC_FAILURE and stops the TPM; INIT reloads what was stored', async () => {
    const { server } = await serve();
    const c = await connectClient(server.port);
    const ctrl = await SwtpmControlClient.connect('127.0.0.1', server.ctrlPort);
    try {
      await populate(c.client);
      server.device.keeper.store.files!.lock.release();
      writeFileSync(join(dir(), '.lock'), `${process.ppid}\n`); // another live process took the directory
      const failed = await c.client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: PW, params: { data: Buffer.from('lost'), offset: 0 } }).catch((e: Error) => e);
      expect(String(failed)).to.match(/0x101/);
      expect(logs.join('\n')).to.match(/could not be stored, the TPM stops until CMD_INIT: in use by process/);
      expect(await ctrl.init(0)).to.equal(9); // still locked by the other process
      writeFileSync(join(dir(), '.lock'), '999999999\n'); // gone
      expect(await ctrl.init(0)).to.equal(0);
      const { tpm } = await onDisk();
      expect(tpm.nv.get(NV_INDEX)!.data.toString()).to.equal('survives the move'); // never acknowledged, never stored
    } finally {
      await c.close();
      await ctrl.close();
      await server.close();
    }
  });

  it('GET_STATEBLOB savestate (the end of a migration) releases the directory lock; LOCK_STORAGE takes it back', async () => {
    const { server } = await serve();
    const ctrl = await SwtpmControlClient.connect('127.0.0.1', server.ctrlPort);
    try {
      const other = new StorageLock(dir());
      expect(() => other.tryAcquire()).to.throw(/in use/);
      await ctrl.getStateBlob(3, 1);
      other.tryAcquire(); // the destination, on shared storage
      expect(await ctrl.lockStorage(5)).to.equal(9);
      other.release();
      expect(await ctrl.lockStorage(5)).to.equal(0);
      expect(() => new StorageLock(dir()).tryAcquire()).to.throw(/in use/);
    } finally {
      await ctrl.close();
      await server.close();
    }
  });
});
