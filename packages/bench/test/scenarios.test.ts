import { expect } from 'chai';
import { GetCapability, InProcessTransport, TPM_CAP, TpmClient } from '@vtpm/tpm';
import { KEY_SCENARIOS, QUOTE_SCENARIOS } from '../src/scenarios/index.js';
import { startedTpm } from '../src/tpmStartup.js';

/** Handles loaded in a range (transient objects 0x80, HMAC 0x02 and policy 0x03 sessions). */
async function loaded(client: TpmClient, first: number): Promise<number[]> {
  const r = await client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: first, propertyCount: 64 } });
  return r.capabilityData.data as number[];
}

describe('bench scenarios (keys, sessions, quotes)', function () {
  this.timeout(60000);
  for (const scenario of [...KEY_SCENARIOS, ...QUOTE_SCENARIOS]) {
    it(`${scenario.name}: sets up, repeats its iteration successfully, and leaves nothing loaded`, async () => {
      const tpm = new InProcessTransport(await startedTpm());
      const client = new TpmClient(tpm);
      for (let round = 0; round < 2; round++) {
        const run = await scenario.open(tpm);
        for (let i = 0; i < (scenario.minOps ? 1 : 3); i++) await run.iterate();
        await run.close();
        for (const range of [0x80000000, 0x02000000, 0x03000000]) expect(await loaded(client, range), `round ${round}, range 0x${range.toString(16)}`).to.deep.equal([]);
      }
    });
  }
});
