import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { MssimServer, SwtpmServer } from '../src/index.js';
import { RawClient } from './support/rawClient.js';
import { CMD, RSP } from './support/tpmCommands.js';

/** Writes bytes in random pieces and closes after a short while, whatever comes back. */
function spray(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('data', () => undefined);
    s.on('connect', () => {
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(Math.random() * 64);
        s.write(bytes.subarray(at, at + n));
        at += n;
      }
      setTimeout(() => s.destroy(), 30);
    });
  });
}

/** Garbage that starts like each protocol's frames, so it gets past the first dispatch. */
function garbage(prefixes: string[]): Buffer {
  const prefix = Buffer.from(prefixes[Math.floor(Math.random() * prefixes.length)]!, 'hex');
  return Buffer.concat([prefix, randomBytes(Math.floor(Math.random() * 300))]);
}

describe('malformed input never stops a server', function () {
  this.timeout(30_000);

  it('mssim: random frames on both ports; afterwards the TPM still answers', async () => {
    const server = await MssimServer.start({ port: 0 });
    try {
      const prefixes = ['00000008', '000000080000', '00000006', '0000000f', '00000010', '00000001', '00000019', '0000001a', ''];
      for (let i = 0; i < 200; i++) await spray(i % 2 ? server.port : server.platformPort, garbage(prefixes.filter((p) => p !== '00000015')));
      // the spray may have powered the TPM off: power it on and reset it, then check it works
      const p = await RawClient.connect(server.platformPort);
      await p.write('00000001');
      await p.read(4);
      await p.write('00000011');
      await p.read(4);
      const c = await RawClient.connect(server.port);
      await c.write('00000008 00 0000000c' + CMD.startupClear);
      expect(await c.read(18)).to.equal('0000000a' + RSP.success + '00000000');
      c.close();
      p.close();
    } finally {
      await server.close();
    }
  });

  it('swtpm: random frames on the data and control channels; afterwards the TPM still answers', async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0 });
    try {
      const data = ['8001', '8002', '800100000010', '00000008', '0000000800', ''];
      const ctrl = ['00000002', '00000005', '00000007', '0000000c', '0000000d', '00000011', '00000012', '0000000e', ''];
      for (let i = 0; i < 200; i++) {
        if (i % 2) await spray(server.port, garbage(data));
        else await spray(server.ctrlPort, garbage(ctrl.filter((p) => p !== '00000003')));
      }
      const ctl = await RawClient.connect(server.ctrlPort);
      await ctl.write('00000002 00000000'); // INIT: running again, whatever the spray stopped
      expect(await ctl.read(4)).to.equal('00000000');
      const ctl2 = await RawClient.connect(server.ctrlPort);
      await ctl2.write('00000005 00'); // SET_LOCALITY 0: the spray may have left another one, and Startup needs 0 or 3
      expect(await ctl2.read(4)).to.equal('00000000');
      ctl2.close();
      const c = await RawClient.connect(server.port);
      await c.write(CMD.startupClear);
      expect(await c.read(10)).to.equal(RSP.success);
      c.close();
      ctl.close();
    } finally {
      await server.close();
    }
  });
});
