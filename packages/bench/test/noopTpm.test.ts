import { expect } from 'chai';
import { KEY_SCENARIOS, QUOTE_SCENARIOS } from '../src/scenarios/index.js';
import { NoopTpm, startNoopServer } from '../src/noopTpm.js';
import { RawTpmSocket } from '../src/rawTpmSocket.js';
import { ensureStartup } from '../src/tpmStartup.js';

describe('no-op TPM (the ceiling column)', function () {
  this.timeout(60000);

  it('answers each command with what was recorded for its code, else TPM_RC_SUCCESS', () => {
    const recorded = Buffer.from('80010000000e000000000000002a', 'hex');
    const tpm = new NoopTpm(new Map([[0x17b, recorded]]));
    expect(tpm.execute(Buffer.from('80010000000c0000017b0008', 'hex'))).to.deep.equal(recorded);
    expect(tpm.execute(Buffer.from('80010000000e0000016580000000', 'hex')).toString('hex')).to.equal('80010000000a00000000');
    expect(tpm.execute(Buffer.from('8001', 'hex')).toString('hex')).to.equal('80010000000a00000000');
  });

  for (const scenario of [...KEY_SCENARIOS, ...QUOTE_SCENARIOS].filter((s) => !s.clientBuilt)) {
    it(`${scenario.name}: iterates against vtpm's server around a no-op TPM (the answers pass the scenario's checks)`, async () => {
      const server = await startNoopServer('127.0.0.1', scenario);
      try {
        const socket = await RawTpmSocket.connect('127.0.0.1', server.port, 'mssim');
        try {
          await ensureStartup(socket);
          const run = await scenario.open(socket);
          for (let i = 0; i < 3; i++) await run.iterate();
          await run.close();
        } finally {
          await socket.close();
        }
      } finally {
        await server.close();
      }
    });
  }
});
