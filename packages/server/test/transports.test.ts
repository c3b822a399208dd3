import { expect } from 'chai';
import { GetRandom, PCR_Extend, Startup, TPM_SU, TpmClient } from '@vtpm/tpm';
import { MssimServer, MssimTransport, SwtpmServer, SwtpmTransport } from '../src/index.js';

describe('client transports', () => {
  it('MssimTransport: powerOn, Startup and concurrent GetRandom calls over one connection', async () => {
    const server = await MssimServer.start({ port: 0 });
    const transport = await MssimTransport.connect('127.0.0.1', server.port);
    try {
      await transport.powerOn();
      const client = new TpmClient(transport);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const answers = await Promise.all([8, 16, 24, 32].map((n) => client.run(GetRandom, { params: { bytesRequested: n } })));
      expect(answers.map((a) => a.randomBytes.length)).to.deep.equal([8, 16, 24, 32]);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('MssimTransport: a powered-off simulator is an error naming the cause', async () => {
    const server = await MssimServer.start({ port: 0 });
    const transport = await MssimTransport.connect('127.0.0.1', server.port);
    try {
      await transport.platform(2); // POWER_OFF
      let error: unknown;
      await new TpmClient(transport).run(Startup, { params: { startupType: TPM_SU.CLEAR } }).catch((e) => (error = e));
      expect(String(error)).to.match(/powered off/);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('SwtpmTransport: raw commands on one connection; another locality goes with the mssim prefix', async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0 });
    const transport = await SwtpmTransport.connect('127.0.0.1', server.port);
    try {
      const client = new TpmClient(transport);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const extend17 = { handles: { pcrHandle: 17 }, params: { digests: [{ hashAlg: 0x000b, digest: Buffer.alloc(32, 1) }] }, auth: [{ password: '' }] };
      let refused: unknown;
      await client.run(PCR_Extend, extend17).catch((e) => (refused = e));
      expect(String(refused)).to.match(/0x907/); // TPM_RC_LOCALITY at locality 0
      await client.run(PCR_Extend, { ...extend17, locality: 3 });
      expect(server.device.locality).to.equal(3);
      const { randomBytes } = await client.run(GetRandom, { params: { bytesRequested: 8 }, locality: 3 });
      expect(randomBytes.length).to.equal(8);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});
