import { expect } from 'chai';
import { GetRandom, StirRandom, TpmClient, TpmResponseError } from '../src/index.js';
import { startTpm } from './kit/startedTpm.js';

const started = (seed?: string) => startTpm(seed);

const random = async (client: TpmClient, bytesRequested: number) => (await client.run(GetRandom, { params: { bytesRequested } })).randomBytes;

describe('GetRandom and StirRandom', () => {
  it('returns what was asked up to 64 octets (sizeof(TPMU_HA)), and 64 beyond (swtpm: 100 -> 64, 0 -> 0)', async () => {
    const { client } = await started();
    expect(await random(client, 0)).to.have.length(0);
    expect(await random(client, 20)).to.have.length(20);
    expect(await random(client, 64)).to.have.length(64);
    expect(await random(client, 65)).to.have.length(64);
    expect(await random(client, 0xffff)).to.have.length(64);
  });

  it('is reproducible with a fixed seed, and StirRandom changes what follows', async () => {
    const a = await started('random');
    const b = await started('random');
    expect(await random(a.client, 32)).to.deep.equal(await random(b.client, 32));
    await a.client.run(StirRandom, { params: { inData: Buffer.from('caller entropy') } });
    expect(await random(a.client, 32)).to.not.deep.equal(await random(b.client, 32));
  });

  it('accepts 128 octets of stir data and refuses 129 with TPM_RC_SIZE + parameter 1 (swtpm: 0x1d5)', async () => {
    const { client } = await started();
    await client.run(StirRandom, { params: { inData: Buffer.alloc(128, 1) } });
    const rc = await client.run(StirRandom, { params: { inData: Buffer.alloc(129, 1) } }).then(
      () => 0,
      (e: TpmResponseError) => e.rc,
    );
    expect(rc).to.equal(0x1d5);
  });
});
