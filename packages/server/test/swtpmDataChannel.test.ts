import { expect } from 'chai';
import { Tpm } from '@vtpm/tpm';
import { SwtpmServer } from '../src/index.js';
import { RawClient, RawClients } from './support/rawClient.js';
import { CMD, RSP, isGetRandom8Answer, pcrExtendSha256 } from './support/tpmCommands.js';

describe('swtpm data channel', () => {
  let tpm: Tpm;
  let server: SwtpmServer;
  const clients = new RawClients();
  const client = () => clients.connect(server.port);

  beforeEach(async () => {
    tpm = new Tpm();
    server = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm });
  });
  afterEach(async () => {
    clients.closeAll();
    await server.close();
  });

  it('with both ports 0, the control port is data + 1 (where the swtpm TCTI looks for it), on loopback', () => {
    expect(server.ctrlPort).to.equal(server.port + 1);
    expect(server.host).to.equal('127.0.0.1');
  });

  it('answers raw command bytes with raw response bytes', async () => {
    const c = await client();
    await c.write(CMD.startupClear);
    expect(await c.read(10)).to.equal(RSP.success);
    await c.write(CMD.getRandom8);
    expect(isGetRandom8Answer(await c.read(20))).to.equal(true);
  });

  it('reassembles a command by its size field, however it was split (swtpm itself needs one write)', async () => {
    const c = await client();
    await c.write('8001', '0000000c00', '000144', '00', '00');
    expect(await c.read(10)).to.equal(RSP.success);
  });

  it('answers several commands that arrive in one write', async () => {
    const c = await client();
    await c.write(CMD.startupClear + CMD.getRandom8 + CMD.getRandom8);
    expect(await c.read(10)).to.equal(RSP.success);
    expect(isGetRandom8Answer(await c.read(20))).to.equal(true);
    expect(isGetRandom8Answer(await c.read(20))).to.equal(true);
  });

  it('serves two clients at once, interleaved', async () => {
    const a = await client();
    const b = await client();
    await a.write('80010000000c');
    await b.write(CMD.startupClear);
    expect(await b.read(10)).to.equal(RSP.success);
    await a.write('0000017b0008');
    expect(isGetRandom8Answer(await a.read(20))).to.equal(true);
  });

  it('a client that connects, sends one command and closes (swtpm TCTI) leaves the server serving', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(server.port);
      await c.write(CMD.startupClear);
      await c.read(10);
      c.close();
    }
    const probe = await RawClient.connect(server.port); // connect-and-drop, as readiness probes do
    probe.close();
    const c = await client();
    await c.write(CMD.getRandom8);
    expect(isGetRandom8Answer(await c.read(20))).to.equal(true);
  });

  it('answers a client that shuts its sending side right after the command', async () => {
    const { connect } = await import('node:net');
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(server.port, '127.0.0.1', () => s.end(Buffer.from(CMD.startupClear.replace(/\s/g, ''), 'hex')));
      let got = '';
      s.on('data', (d) => (got += d.toString('hex')));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    expect(answer).to.equal(RSP.success);
  });

  it('takes the mssim TPM_SEND_COMMAND prefix and answers `u32 size | response | u32 0` (as swtpm)', async () => {
    const c = await client();
    await c.write('00000008 00 0000000c' + CMD.startupClear);
    expect(await c.read(18)).to.equal('0000000a' + RSP.success + '00000000');
    // swtpm 0.7.1: prefixed and raw commands may alternate on one connection
    await c.write(CMD.getRandom8);
    expect(isGetRandom8Answer(await c.read(20))).to.equal(true);
    await c.write('00000008 00', '0000000c', CMD.getRandom8);
    const framed = await c.read(28);
    expect(framed.slice(0, 8)).to.equal('00000014');
    expect(framed.slice(48)).to.equal('00000000');
  });

  it("the prefix's locality becomes the channel's locality (swtpm 0.7.1 behaves the same)", async () => {
    const c = await client();
    await c.write(CMD.startupClear);
    await c.read(10);
    const extend17 = pcrExtendSha256(17, Buffer.alloc(32, 0x11));
    await c.write(extend17);
    expect(await c.read(10)).to.equal('80010000000a00000907'); // TPM_RC_LOCALITY at locality 0
    await c.write('00000008 03 00000041' + extend17);
    expect((await c.read(4 + 19 + 4)).slice(8, 28)).to.equal('80020000001300000000');
    await c.write(extend17); // raw again: still locality 3
    expect((await c.read(19)).slice(0, 20)).to.equal('80020000001300000000');
    expect(server.device.locality).to.equal(3);
  });

  it('answers a size field below the header size with the TPM error (as swtpm: TPM_RC_COMMAND_SIZE), then hangs up', async () => {
    const c = await client();
    await c.write('8001 00000005 0000017b');
    expect(await c.read(10)).to.equal(RSP.commandSize);
    expect(await c.closedWithin(1000)).to.equal(true);
  });

  it('reads an over-long command whole and lets the TPM refuse it, keeping the stream in step', async () => {
    const c = await client();
    const big = Buffer.alloc(5000);
    big.writeUInt16BE(0x8001, 0);
    big.writeUInt32BE(5000, 2);
    big.writeUInt32BE(0x17b, 6);
    await c.write(big);
    expect(await c.read(10)).to.equal(RSP.commandSize);
    await c.write(CMD.startupClear);
    expect(await c.read(10)).to.equal(RSP.success);
  });

  it('answers a size field beyond 1 MiB with TPM_RC_COMMAND_SIZE and hangs up', async () => {
    const c = await client();
    await c.write('8001 ffffffff 0000017b');
    expect(await c.read(10)).to.equal(RSP.commandSize);
    expect(await c.closedWithin(1000)).to.equal(true);
  });

  it('garbage that frames as a command is answered by the TPM (TPM_RC_BAD_TAG)', async () => {
    const c = await client();
    await c.write('1234 0000000c 0000017b 0008');
    expect(await c.read(10)).to.equal('80010000000a0000001e');
  });
});
