import { expect } from 'chai';
import { Tpm } from '@vtpm/tpm';
import { SwtpmServer } from '../src/index.js';
import { RawClient, hex } from './support/rawClient.js';
import { CMD, RSP, pcrExtendSha256 } from './support/tpmCommands.js';

// Every expected answer below was observed from swtpm 0.7.1 (Debian 12, libtpms 0.9) started by
// /work/shared/interop/start-swtpm.sh (--tpm2 --flags not-need-init), by sending the same bytes to
// its control port, one TCP write per request. Where vtpm's answer carries vtpm's own content (state
// blobs, GET_INFO text) the test checks swtpm's layout instead, and says so.

describe('swtpm control channel (answers as swtpm 0.7.1)', () => {
  let tpm: Tpm;
  let server: SwtpmServer;

  beforeEach(async () => {
    tpm = new Tpm();
    server = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm });
  });
  afterEach(() => server.close());

  /** One request on a fresh connection (as tpm2-tss' swtpm TCTI does), one write; the answer must be exactly `expected`. */
  async function expectAnswer(request: string, expected: string): Promise<void> {
    const c = await RawClient.connect(server.ctrlPort);
    try {
      await c.write(request);
      const answer = await c.read(hex(expected).length);
      expect(answer, `answer to ${request}`).to.equal(hex(expected).toString('hex'));
      expect(await c.drain(30), `nothing after the answer to ${request}`).to.equal('');
    } finally {
      c.close();
    }
  }
  /** A request swtpm does not answer: the connection closes after its 500 ms receive deadline. */
  async function expectHangUp(request: string): Promise<void> {
    const c = await RawClient.connect(server.ctrlPort);
    const started = Date.now();
    await c.write(request);
    expect(await c.closedWithin(4000), `hang-up after ${request}`).to.equal(true);
    expect(Date.now() - started).to.be.within(400, 3500); // swtpm's deadline is 500 ms
    expect(await c.drain(0)).to.equal('');
  }
  /** A data-channel command and its answer. */
  async function dataCommand(command: string): Promise<string> {
    const c = await RawClient.connect(server.port);
    try {
      await c.write(command);
      const header = await c.read(10);
      const size = parseInt(header.slice(4, 12), 16);
      return header + (size > 10 ? await c.read(size - 10) : '');
    } finally {
      c.close();
    }
  }

  describe('with the TPM running (not-need-init)', () => {
    it('GET_CAPABILITY: a bare u64, 0xffff as swtpm 0.7.1 plus LOCK_STORAGE (bit 16, newer swtpm), stray bytes ignored', async () => {
      await expectAnswer('00000001', '000000000001ffff');
      await expectAnswer('00000001 aa', '000000000001ffff');
    });
    it('GET_CONFIG: result 0, flags 0 (no file key, no migration key)', async () => {
      await expectAnswer('0000000f', '00000000 00000000');
    });
    it('GET_TPMESTABLISHED: result, the bit, 3 bytes of struct padding', async () => {
      await expectAnswer('00000004', '00000000 00 000000');
    });
    it('INIT with flags: 0; with a 5-byte payload: TPM_BAD_PARAMETER; without flags: no answer', async () => {
      await expectAnswer('00000002 00000000', '00000000');
      await expectAnswer('00000002 0000000000', '00000003');
      await expectHangUp('00000002');
    });
    it('INIT is _TPM_Init: TPM_RC_INITIALIZE until Startup', async () => {
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      await expectAnswer('00000002 00000001', '00000000');
      expect(await dataCommand(CMD.getRandom8)).to.equal(RSP.initialize);
    });
    it('SET_LOCALITY: 0-4 accepted, 5 TPM_BAD_LOCALITY (0x3d), none: no answer', async () => {
      await expectAnswer('00000005 00', '00000000');
      await expectAnswer('00000005 04', '00000000');
      await expectAnswer('00000005 05', '0000003d');
      await expectHangUp('00000005');
    });
    it('SET_LOCALITY sets the locality of data-channel commands', async () => {
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      const extend17 = pcrExtendSha256(17, Buffer.alloc(32, 0x11));
      expect(await dataCommand(extend17)).to.equal('80010000000a00000907'); // TPM_RC_LOCALITY at locality 0
      await expectAnswer('00000005 03', '00000000');
      expect((await dataCommand(extend17)).slice(12, 20)).to.equal('00000000');
    });
    it('CANCEL_TPM_CMD and STORE_VOLATILE: 0; with a stray byte: TPM_BAD_PARAMETER', async () => {
      await expectAnswer('00000009', '00000000');
      await expectAnswer('0000000a', '00000000');
      await expectAnswer('0000000a 00', '00000003');
    });
    it('RESET_TPMESTABLISHED: locality 0 TPM_BAD_LOCALITY, 3 and 4 reset, none: no answer', async () => {
      await expectAnswer('0000000b 00', '0000003d');
      await expectAnswer('0000000b 03', '00000000');
      await expectAnswer('0000000b 04', '00000000');
      await expectHangUp('0000000b');
    });
    it('RESET_TPMESTABLISHED runs at its own locality and leaves the channel locality as it was', async () => {
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      await expectAnswer('00000005 00', '00000000');
      await expectAnswer('0000000b 03', '00000000');
      expect(await dataCommand(pcrExtendSha256(17, Buffer.alloc(32, 0x11)))).to.equal('80010000000a00000907');
    });
    it('SET_DATAFD over TCP: TPM_IOERROR (0x1f)', async () => {
      await expectAnswer('00000010', '0000001f');
    });
    it('SET_BUFFERSIZE: query 0 -> 4096 (min 2808, max 4096); a size while running: TPM_BAD_ORDINAL; short: TPM_BAD_PARAMETER', async () => {
      await expectAnswer('00000011 00000000', '00000000 00001000 00000af8 00001000');
      await expectAnswer('00000011 00001000', '0000000a');
      await expectAnswer('00000011', '00000003');
    });
    it('GET_INFO: short request TPM_BAD_PARAMETER; an unknown flag "{}"', async () => {
      await expectAnswer('00000012', '00000003');
      await expectAnswer('00000012 000000000000000000000000', '00000003');
      await expectAnswer('00000012 0000000000000008 00000000 00000000', '00000000 00000003 00000003 7b7d00');
      await expectAnswer('00000012 0000000000000001 00000100 00000000', '00000003');
    });
    it('GET_INFO TPMSpecification: swtpm layout (result, totlength = length = strlen + 1, NUL-terminated JSON)', async () => {
      const c = await RawClient.connect(server.ctrlPort);
      await c.write('00000012 0000000000000001 00000000 00000000');
      const head = await c.read(12);
      const total = parseInt(head.slice(8, 16), 16);
      expect(head.slice(0, 8)).to.equal('00000000');
      expect(parseInt(head.slice(16, 24), 16)).to.equal(total);
      const text = hex(await c.read(total)).toString('utf8');
      expect(text.endsWith('\0')).to.equal(true);
      // swtpm 0.7.1: {"TPMSpecification":{"family":"2.0","level":0,"revision":164}}
      expect(JSON.parse(text.slice(0, -1))).to.deep.equal({ TPMSpecification: { family: '2.0', level: 0, revision: 164 } });
      c.close();
    });
    it('GET_INFO from an offset: totlength stays, length is what is left (swtpm: 0x3f and 0x3a at offset 5)', async () => {
      await expectAnswer('00000012 0000000000000001 00000005 00000000', '00000000 0000003f 0000003a' + Buffer.from('Specification":{"family":"2.0","level":0,"revision":164}}\0').toString('hex'));
    });
    it('LOCK_STORAGE (newer swtpm; u32 retries): 0 without a state directory; without retries: no answer', async () => {
      await expectAnswer('00000013 0000012c', '00000000');
      await expectHangUp('00000013');
    });
    it('unknown commands: TPM_BAD_ORDINAL', async () => {
      await expectAnswer('00000099', '0000000a');
    });
    it('a request shorter than its command code: no answer', async () => {
      await expectHangUp('0000');
    });
    it('GET_STATEBLOB: swtpm framing (result, flags, totlength, length, blob); unknown types TPM_RETRY', async () => {
      const c = await RawClient.connect(server.ctrlPort);
      await c.write('0000000c 00000000 00000001 00000000');
      const head = await c.read(16);
      expect(head.slice(0, 16)).to.equal('00000000' + '00000000');
      const length = parseInt(head.slice(24, 32), 16);
      expect(parseInt(head.slice(16, 24), 16)).to.equal(length);
      expect((await c.read(length)).length).to.equal(2 * length);
      c.close();
      // vtpm's savestate blob is an empty-payload envelope (swtpm 0.7.1: TPM_RETRY for a TPM 2 without one)
      await expectAnswer('0000000c 00000000 00000004 00000000', '00000800 00000000 00000000 00000000');
      await expectAnswer('0000000c 00000000 00000000 00000000', '00000800 00000000 00000000 00000000');
      await expectAnswer('0000000c 00000000 00000001 00100000', '00000000 00000000 00000000 00000000');
      await expectHangUp('0000000c 00000000 00000001');
    });
    it('SET_STATEBLOB while running: TPM_BAD_ORDINAL', async () => {
      await expectAnswer('0000000d 00000000 00000001 00000000', '0000000a');
    });
    it('DRTM after Startup: HASH_START sets the established bit; PCR 17 as swtpm computed it, 18-22 zero', async () => {
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      const counter = tpm.pcrs.updateCounter;
      await expectAnswer('00000006', '00000000');
      await expectAnswer('00000004', '00000000 01 000000');
      await expectAnswer('00000007 00000003 616263', '00000000');
      await expectAnswer('00000008', '00000000');
      await expectAnswer('00000004', '00000000 01 000000');
      // tpm2_pcrread against swtpm 0.7.1 after the same sequence with data "abc":
      expect(tpm.pcrs.read(0x000b, 17).toString('hex')).to.equal('589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d');
      expect(tpm.pcrs.read(0x0004, 17).toString('hex')).to.equal('ccd5bd41458de644ac34a2478b58ff819bef5acf');
      for (const pcr of [18, 19, 20, 21, 22]) expect(tpm.pcrs.read(0x000b, pcr).toString('hex')).to.equal('00'.repeat(32));
      expect(tpm.pcrs.read(0x000b, 16).toString('hex')).to.equal('00'.repeat(32));
      // swtpm 0.7.1's pcrUpdateCounter (PCR_Read) went up by 4 over the sequence: one per extended bank
      expect(tpm.pcrs.updateCounter - counter).to.equal(4);
    });
    it('H-CRTM before Startup: PCR 0 = H(0..04 || H(data)) survives Startup, PCR 17 stays all ones', async () => {
      await expectAnswer('00000006', '00000000');
      await expectAnswer('00000007 00000003 616263', '00000000');
      await expectAnswer('00000008', '00000000');
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      // tpm2_pcrread against swtpm 0.7.1 after the same sequence:
      expect(tpm.pcrs.read(0x000b, 0).toString('hex')).to.equal('15703cc929081671c587dad9b09606521a35aa6bf4741df448d22c4b307acc71');
      expect(tpm.pcrs.read(0x0004, 0).toString('hex')).to.equal('901e9ce9d04e2102fa74fbbb9bb0abd25e3fdbe8');
      expect(tpm.pcrs.read(0x000b, 17).toString('hex')).to.equal('ff'.repeat(32));
    });
    it('the established bit survives INIT; RESET_TPMESTABLISHED 4 clears it', async () => {
      await expectAnswer('00000006', '00000000');
      await expectAnswer('00000002 00000000', '00000000');
      await expectAnswer('00000004', '00000000 01 000000');
      await expectAnswer('0000000b 04', '00000000');
      await expectAnswer('00000004', '00000000 00 000000');
    });
    it('HASH_DATA longer than one swtpm read streams through', async () => {
      expect(await dataCommand(CMD.startupClear)).to.equal(RSP.success);
      const data = Buffer.alloc(100_000, 0x5a);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      await expectAnswer('00000006', '00000000');
      const c = await RawClient.connect(server.ctrlPort);
      await c.write(Buffer.concat([hex('00000007'), length, data]));
      expect(await c.read(4)).to.equal('00000000');
      c.close();
      await expectAnswer('00000008', '00000000');
      const { createHash } = await import('node:crypto');
      const digest = createHash('sha256').update(data).digest();
      expect(tpm.pcrs.read(0x000b, 17).toString('hex')).to.equal(createHash('sha256').update(Buffer.alloc(32)).update(digest).digest('hex'));
    });
    it('several commands on one connection', async () => {
      const c = await RawClient.connect(server.ctrlPort);
      await c.write('00000005 03');
      expect(await c.read(4)).to.equal('00000000');
      await c.write('0000000f');
      expect(await c.read(8)).to.equal('0000000000000000');
      c.close();
    });
  });

  describe('with the TPM stopped (CMD_STOP)', () => {
    beforeEach(async () => {
      await expectAnswer('0000000e 00', '00000003'); // STOP with a stray byte is refused ...
      await expectAnswer('0000000e', '00000000'); // ... without, it stops the TPM
    });

    it('data channel: TPM_RC_FAILURE, raw and mssim-framed', async () => {
      expect(await dataCommand(CMD.getRandom8)).to.equal(RSP.failure);
      const c = await RawClient.connect(server.port);
      await c.write('00000008 00 0000000c' + CMD.getRandom8);
      expect(await c.read(18)).to.equal('0000000a' + RSP.failure + '00000000');
      c.close();
    });
    it('commands that need a running TPM: TPM_BAD_ORDINAL', async () => {
      for (const request of ['00000004', '0000000c 00000000 00000001 00000000', '00000006', '00000009', '0000000a', '0000000b 03']) {
        await expectAnswer(request, '0000000a');
      }
    });
    it('SET_LOCALITY, GET_CONFIG and GET_INFO still work', async () => {
      await expectAnswer('00000005 02', '00000000');
      await expectAnswer('0000000f', '00000000 00000000');
      await expectAnswer('00000012 0000000000000008 00000000 00000000', '00000000 00000003 00000003 7b7d00');
    });
    it('SET_BUFFERSIZE sets sizes clamped to [2808, 4096]', async () => {
      await expectAnswer('00000011 00000000', '00000000 00001000 00000af8 00001000');
      await expectAnswer('00000011 00000064', '00000000 00000af8 00000af8 00001000');
      await expectAnswer('00000011 00000bb8', '00000000 00000bb8 00000af8 00001000');
      await expectAnswer('00000011 00002328', '00000000 00001000 00000af8 00001000');
      await expectAnswer('00000011 00000000', '00000000 00001000 00000af8 00001000');
    });
    it('SET_STATEBLOB: bad blob, bad type and encrypted (no key) TPM_BAD_PARAMETER; empty 0; short: no answer', async () => {
      await expectAnswer('0000000d 00000000 00000001 00000004 01020304', '00000003');
      await expectAnswer('0000000d 00000000 00000009 00000004 01020304', '00000003');
      await expectAnswer('0000000d 00000002 00000001 00000004 01020304', '00000003');
      await expectAnswer('0000000d 00000000 00000001 00000000', '00000000');
      await expectHangUp('0000000d 00000000 00000001 00000008 0102');
    });
    it('SET_STATEBLOB takes a blob GET_STATEBLOB gave, then INIT runs the TPM (TPM_RC_INITIALIZE until Startup)', async () => {
      await expectAnswer('00000002 00000000', '00000000');
      const c = await RawClient.connect(server.ctrlPort);
      await c.write('0000000c 00000000 00000001 00000000');
      const head = await c.read(16);
      const blob = await c.read(parseInt(head.slice(24, 32), 16));
      c.close();
      await expectAnswer('0000000e', '00000000');
      const length = (blob.length / 2).toString(16).padStart(8, '0');
      await expectAnswer(`0000000d 00000000 00000001 ${length} ${blob}`, '00000000');
      expect(await dataCommand(CMD.getRandom8)).to.equal(RSP.failure);
      await expectAnswer('00000002 00000001', '00000000');
      expect(await dataCommand(CMD.getRandom8)).to.equal(RSP.initialize);
    });
  });

  it('SHUTDOWN answers 0, then the server closes', async () => {
    await expectAnswer('00000003 00', '00000003');
    const c = await RawClient.connect(server.ctrlPort);
    await c.write('00000003');
    expect(await c.read(4)).to.equal('00000000');
    await server.closed;
    expect(await c.closedWithin(1000)).to.equal(true);
  });
});

describe('swtpm control channel without not-need-init', () => {
  it('the TPM answers TPM_RC_FAILURE until CMD_INIT', async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0, needInit: true });
    try {
      const data = await RawClient.connect(server.port);
      await data.write(CMD.startupClear);
      expect(await data.read(10)).to.equal(RSP.failure);
      const ctrl = await RawClient.connect(server.ctrlPort);
      await ctrl.write('00000002 00000000');
      expect(await ctrl.read(4)).to.equal('00000000');
      await data.write(CMD.startupClear);
      expect(await data.read(10)).to.equal(RSP.success);
      data.close();
      ctrl.close();
    } finally {
      await server.close();
    }
  });

  it('--locality reject-locality-4: SET_LOCALITY 4 is TPM_BAD_LOCALITY', async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0, rejectLocality4: true });
    try {
      const ctrl = await RawClient.connect(server.ctrlPort);
      await ctrl.write('00000005 04');
      expect(await ctrl.read(4)).to.equal('0000003d');
      ctrl.close();
    } finally {
      await server.close();
    }
  });
});
