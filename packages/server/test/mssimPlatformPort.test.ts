import { expect } from 'chai';
import { Tpm } from '@vtpm/tpm';
import { MssimServer } from '../src/index.js';
import { RawClient, hex } from './support/rawClient.js';
import { CMD, RSP, isGetRandom8Answer, sha } from './support/tpmCommands.js';

const SEND_STARTUP = '00000008 00 0000000c' + CMD.startupClear;
const SEND_GETRANDOM = '00000008 00 0000000c' + CMD.getRandom8;

describe('mssim platform port (TcpServer.c PlatformServer, TPMCmdp.c signals)', () => {
  let tpm: Tpm;
  let server: MssimServer;
  let command: RawClient;
  let platform: RawClient;

  beforeEach(async () => {
    tpm = new Tpm();
    server = await MssimServer.start({ port: 0, tpm });
    command = await RawClient.connect(server.port);
    platform = await RawClient.connect(server.platformPort);
  });
  afterEach(async () => {
    command.close();
    platform.close();
    await server.close();
  });

  const signal = async (code: string) => {
    await platform.write(code);
    return platform.read(4);
  };
  const startup = async () => {
    await command.write(SEND_STARTUP);
    return (await command.read(18)).slice(8, 28);
  };
  const getRandom = async () => {
    await command.write(SEND_GETRANDOM);
    const size = parseInt(await command.read(4), 16);
    const answer = await command.read(size);
    await command.read(4);
    return answer;
  };

  it('answers each known signal with u32 0 (POWER_ON, NV_ON as tpm2-tss sends them, and the others)', async () => {
    for (const code of ['00000001', '0000000b', '00000003', '00000004', '00000009', '0000000a', '0000000c', '0000000b', '0000000d', '0000000e', '00000012', '00000011']) {
      expect(await signal(code), `signal ${code}`).to.equal('00000000');
    }
  });

  it('POWER_ON of a powered TPM does nothing: the state survives one tool run to the next', async () => {
    expect(await startup()).to.equal(RSP.success);
    expect(await signal('00000001')).to.equal('00000000');
    expect(await signal('0000000b')).to.equal('00000000');
    expect(isGetRandom8Answer(await getRandom())).to.equal(true);
  });

  it('POWER_OFF: a command gets an empty response (size 0) and the acknowledgement', async () => {
    expect(await startup()).to.equal(RSP.success);
    expect(await signal('00000002')).to.equal('00000000');
    expect(tpm.powered).to.equal(false);
    await command.write(SEND_GETRANDOM);
    expect(await command.read(8)).to.equal('00000000' + '00000000');
  });

  it('POWER_OFF then POWER_ON: _TPM_Init, so TPM_RC_INITIALIZE until Startup', async () => {
    expect(await startup()).to.equal(RSP.success);
    await signal('00000002');
    await signal('00000001');
    expect(await getRandom()).to.equal(RSP.initialize);
    expect(await startup()).to.equal(RSP.success);
    expect(isGetRandom8Answer(await getRandom())).to.equal(true);
  });

  it('RESET: _TPM_Init without a power cycle, so TPM_RC_INITIALIZE until Startup', async () => {
    expect(await startup()).to.equal(RSP.success);
    expect(await signal('00000011')).to.equal('00000000');
    expect(await getRandom()).to.equal(RSP.initialize);
    expect(await startup()).to.equal(RSP.success);
  });

  it('RESET of an unpowered TPM does nothing; RESTART (clock restart) leaves the TPM started', async () => {
    expect(await startup()).to.equal(RSP.success);
    expect(await signal('00000012')).to.equal('00000000');
    expect(isGetRandom8Answer(await getRandom())).to.equal(true);
    await signal('00000002');
    await signal('00000011');
    expect(tpm.powered).to.equal(false);
  });

  it('records physical presence, cancel and NV availability while powered, ignores them while off', async () => {
    await signal('00000003');
    await signal('00000009');
    await signal('0000000c');
    expect(tpm.platform).to.deep.equal({ physicalPresence: true, cancel: true, nvAvailable: false });
    await signal('00000002');
    await signal('00000004');
    await signal('0000000b');
    expect(tpm.platform.physicalPresence).to.equal(true);
    expect(tpm.platform.nvAvailable).to.equal(false);
  });

  it('a TPM made with initialized: false is off until POWER_ON (as the Microsoft simulator starts)', async () => {
    const cold = new Tpm({ initialized: false });
    const local = await MssimServer.start({ port: 0, tpm: cold });
    try {
      const c = await RawClient.connect(local.port);
      const p = await RawClient.connect(local.platformPort);
      await c.write(SEND_STARTUP);
      expect(await c.read(8)).to.equal('0000000000000000');
      await p.write('00000001');
      expect(await p.read(4)).to.equal('00000000');
      await c.write(SEND_STARTUP);
      expect(await c.read(18)).to.equal('0000000a' + RSP.success + '00000000');
      c.close();
      p.close();
    } finally {
      await local.close();
    }
  });

  it('answers an unknown signal with u32 1 and hangs up, as the reference does', async () => {
    await platform.write('00000063');
    expect(await platform.read(4)).to.equal('00000001');
    expect(await platform.closedWithin(1000)).to.equal(true);
  });

  it('reports the largest command and response (GET_COMMAND_RESPONSE_SIZES), sizes little-endian as the reference on x86', async () => {
    await startup();
    await getRandom();
    await platform.write('00000019');
    // u32 16 | u32le 12, code 00000144 (Startup: the first 12-byte command) | u32le 20, rc 0 (GetRandom's answer) | ack
    expect(await platform.read(24)).to.equal('00000010' + '0c000000' + '00000144' + '14000000' + '00000000' + '00000000');
  });

  it('SESSION_END closes the platform connection; STOP stops the server', async () => {
    await platform.write('00000014');
    expect(await platform.closedWithin(1000)).to.equal(true);
    const again = await RawClient.connect(server.platformPort);
    await again.write('00000015');
    await server.closed;
    again.close();
  });

  it('DRTM signals on the command port: PCR 17 = H(0..0 || H(data)) and PCRs 18-22 zero after Startup', async () => {
    await startup();
    await command.write('00000005');
    expect(await command.read(4)).to.equal('00000000');
    await command.write('00000006 00000003 616263');
    expect(await command.read(4)).to.equal('00000000');
    await command.write('00000007');
    expect(await command.read(4)).to.equal('00000000');
    // the same values swtpm 0.7.1 reported for the data "abc" (see swtpmControlChannel.test.ts)
    expect(tpm.pcrs.read(0x000b, 17).toString('hex')).to.equal(sha('sha256', Buffer.alloc(32), sha('sha256', hex('616263'))).toString('hex'));
    expect(tpm.pcrs.read(0x000b, 17).toString('hex')).to.equal('589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d');
    expect(tpm.pcrs.read(0x000b, 18).toString('hex')).to.equal('00'.repeat(32));
    expect(tpm.tpmEstablished).to.equal(true);
  });
});
