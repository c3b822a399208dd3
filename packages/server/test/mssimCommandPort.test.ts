import { expect } from 'chai';
import { Tpm } from '@vtpm/tpm';
import { MssimServer } from '../src/index.js';
import { RawClient, RawClients } from './support/rawClient.js';
import { CMD, RSP, isGetRandom8Answer } from './support/tpmCommands.js';

/** `u32 8 | u8 locality | u32 size` for a command given as hex. */
function sendCommandHeader(commandHex: string, locality = 0): string {
  const size = commandHex.replace(/\s+/g, '').length / 2;
  return `00000008 ${locality.toString(16).padStart(2, '0')} ${size.toString(16).padStart(8, '0')}`;
}

describe('mssim command port (TcpServer.c TpmServer framing)', () => {
  let server: MssimServer;
  const clients = new RawClients();
  const client = () => clients.connect(server.port);

  beforeEach(async () => {
    server = await MssimServer.start({ port: 0 });
  });
  afterEach(async () => {
    clients.closeAll();
    await server.close();
  });

  it('listens on port and port + 1 on loopback', () => {
    expect(server.platformPort).to.equal(server.port + 1);
    expect(server.host).to.equal('127.0.0.1');
  });

  it('starts powered and initialized: Startup then GetRandom succeed without platform signals (as ibmswtpm2)', async () => {
    const c = await client();
    await c.write(sendCommandHeader(CMD.startupClear) + CMD.startupClear);
    expect(await c.read(18)).to.equal(`0000000a${RSP.success}00000000`);
    await c.write(sendCommandHeader(CMD.getRandom8) + CMD.getRandom8);
    const answer = await c.read(28);
    expect(answer.slice(0, 8)).to.equal('00000014');
    expect(isGetRandom8Answer(answer.slice(8, 48))).to.equal(true);
    expect(answer.slice(48)).to.equal('00000000');
  });

  it('reassembles a command whose 9-byte header and body come in separate writes (tpm2-tss 3.2.1)', async () => {
    const c = await client();
    await c.write(sendCommandHeader(CMD.startupClear), CMD.startupClear);
    expect(await c.read(18)).to.equal(`0000000a${RSP.success}00000000`);
  });

  it('reassembles a command split at every byte', async () => {
    const c = await client();
    const frame = (sendCommandHeader(CMD.getRandom8) + CMD.getRandom8).replace(/\s+/g, '');
    await c.write(...(frame.match(/../g) ?? []));
    expect(await c.read(18)).to.equal(`0000000a${RSP.initialize}00000000`); // a whole command: the TPM's own answer
  });

  it('answers several commands that arrive in one write, in order', async () => {
    const c = await client();
    await c.write(sendCommandHeader(CMD.startupClear) + CMD.startupClear + sendCommandHeader(CMD.startupClear) + CMD.startupClear + sendCommandHeader(CMD.getRandom8) + CMD.getRandom8);
    expect(await c.read(18)).to.equal(`0000000a${RSP.success}00000000`);
    expect(await c.read(18)).to.equal(`0000000a${RSP.initialize}00000000`); // a second Startup needs _TPM_Init first
    expect(isGetRandom8Answer((await c.read(28)).slice(8, 48))).to.equal(true);
  });

  it('serves two clients at once, each answer on its own connection', async () => {
    const a = await client();
    const b = await client();
    await a.write(sendCommandHeader(CMD.startupClear)); // a: header only, body later
    await b.write(sendCommandHeader(CMD.getRandom8) + CMD.getRandom8);
    // b is answered while a's command is still incomplete (the TPM is not started yet: TPM_RC_INITIALIZE)
    expect(await b.read(18)).to.equal(`0000000a${RSP.initialize}00000000`);
    await a.write(CMD.startupClear);
    expect(await a.read(18)).to.equal(`0000000a${RSP.success}00000000`);
  });

  it('answers REMOTE_HANDSHAKE with server version 1 and tpmInRawMode | tpmPlatformAvailable | tpmSupportsPP', async () => {
    const c = await client();
    await c.write('0000000f 00000001');
    expect(await c.read(12)).to.equal('00000001' + '0000000d' + '00000000');
  });

  it('hangs up on REMOTE_HANDSHAKE with client version 0, as the reference does', async () => {
    const c = await client();
    await c.write('0000000f 00000000');
    expect(await c.closedWithin(1000)).to.equal(true);
  });

  it('acknowledges SET_ALTERNATIVE_RESULT', async () => {
    const c = await client();
    await c.write('00000010 00000005');
    expect(await c.read(4)).to.equal('00000000');
  });

  it('closes on SESSION_END and on an unknown code; the server keeps serving', async () => {
    const c = await client();
    await c.write('00000014');
    expect(await c.closedWithin(1000)).to.equal(true);
    const d = await client();
    await d.write('00000063');
    expect(await d.closedWithin(1000)).to.equal(true);
    const e = await client();
    await e.write(sendCommandHeader(CMD.startupClear) + CMD.startupClear);
    expect(await e.read(18)).to.equal(`0000000a${RSP.success}00000000`);
  });

  it('survives a bare close in the middle of a command (tpm2-tss never sends SESSION_END)', async () => {
    const c = await client();
    await c.write(sendCommandHeader(CMD.startupClear) + '8001');
    c.close();
    const d = await client();
    await d.write(sendCommandHeader(CMD.startupClear) + CMD.startupClear);
    expect(await d.read(18)).to.equal(`0000000a${RSP.success}00000000`);
  });

  it('lets the TPM answer an over-long command with TPM_RC_COMMAND_SIZE and keeps the stream in step', async () => {
    const c = await client();
    const big = Buffer.alloc(5000);
    big.writeUInt16BE(0x8001, 0);
    big.writeUInt32BE(5000, 2);
    big.writeUInt32BE(0x17b, 6);
    await c.write(Buffer.concat([Buffer.from('0000000800000013 88'.replace(/\s/g, ''), 'hex'), big]));
    expect(await c.read(18)).to.equal(`0000000a${RSP.commandSize}00000000`);
    await c.write(sendCommandHeader(CMD.startupClear) + CMD.startupClear);
    expect(await c.read(18)).to.equal(`0000000a${RSP.success}00000000`);
  });

  it('hangs up on a size beyond the reference simulator buffer (1 MiB)', async () => {
    const c = await client();
    await c.write('00000008 00 00100001');
    expect(await c.closedWithin(1000)).to.equal(true);
  });

  it('runs the command at the locality of the frame', async () => {
    const tpm = new Tpm();
    const local = await MssimServer.start({ port: 0, tpm });
    try {
      const c = await RawClient.connect(local.port);
      // Startup from locality 3 leaves PCR 0 ending in 03 (Part 1, PC Client startup locality).
      await c.write(sendCommandHeader(CMD.startupClear, 3) + CMD.startupClear);
      expect(await c.read(18)).to.equal(`0000000a${RSP.success}00000000`);
      expect(tpm.pcrs.read(0x000b, 0).toString('hex')).to.equal('00'.repeat(31) + '03');
      c.close();
    } finally {
      await local.close();
    }
  });

  it('stops the whole server on TPM_STOP', async () => {
    const c = await client();
    await c.write('00000015');
    await server.closed;
    expect(await c.closedWithin(1000)).to.equal(true);
  });
});
