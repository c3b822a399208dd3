import { expect } from 'chai';
import { GetTestResult, IncrementalSelfTest, SelfTest, Startup, TpmClient, TpmResponseError, TPM_ALG, TPM_RC, TPM_SU } from '../src/index.js';
import { startTpm } from './kit/startedTpm.js';

// Expected toDoLists are swtpm 0.7.1's answers to the same commands right after _TPM_Init and
// Startup, less TDES (0x03) and CAMELLIA (0x26), which vtpm does not implement.

const started = () => startTpm();

const ALL_UNTESTED = [0x04, 0x06, 0x0b, 0x0c, 0x0d, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1c, 0x22, 0x43];

const incremental = async (client: TpmClient, toTest: number[]) => (await client.run(IncrementalSelfTest, { params: { toTest } })).toDoList;

describe('self test', () => {
  it('lists every algorithm with a self test as untested after Startup', async () => {
    const { client } = await started();
    expect(await incremental(client, [])).to.deep.equal(ALL_UNTESTED);
  });

  it('removes the tested algorithms and those their test exercises too (swtpm)', async () => {
    const cases: [number[], number[]][] = [
      [[TPM_ALG.SHA1], [0x06, 0x0b, 0x0c, 0x0d, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1c, 0x22, 0x43]],
      [[TPM_ALG.SHA256, TPM_ALG.AES], [0x04, 0x0c, 0x0d, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1c, 0x22]],
      [[TPM_ALG.ECDSA], [0x04, 0x06, 0x0b, 0x0c, 0x14, 0x15, 0x16, 0x17, 0x1c, 0x22, 0x43]],
      [[TPM_ALG.HMAC], [0x04, 0x06, 0x0b, 0x0c, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1c, 0x22, 0x43]],
      [[TPM_ALG.RSA], ALL_UNTESTED], // implemented, but without a test of its own
    ];
    for (const [toTest, toDo] of cases) {
      const { client } = await started();
      expect(await incremental(client, toTest), `toTest ${toTest}`).to.deep.equal(toDo);
    }
  });

  it('refuses an unimplemented algorithm with TPM_RC_VALUE + parameter 1 and tests nothing (swtpm: 0x1c4)', async () => {
    const { client } = await started();
    let rc = 0;
    await incremental(client, [TPM_ALG.SHA1, TPM_ALG.NULL]).catch((e: TpmResponseError) => (rc = e.rc));
    expect(rc).to.equal(0x1c4);
    expect(await incremental(client, [])).to.deep.equal(ALL_UNTESTED);
  });

  it('leaves nothing untested after SelfTest, full or not, until the next _TPM_Init', async () => {
    for (const fullTest of [false, true]) {
      const { tpm, client } = await started();
      await client.run(SelfTest, { params: { fullTest } });
      expect(await incremental(client, [])).to.deep.equal([]);
      expect(tpm.selfTested).to.equal(true);
      tpm.init();
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      expect(await incremental(client, [])).to.deep.equal(ALL_UNTESTED);
    }
  });

  it('reports success with no data from GetTestResult, before and after testing (swtpm)', async () => {
    const { client } = await started();
    expect(await client.run(GetTestResult, { params: {} })).to.deep.include({ outData: Buffer.alloc(0), testResult: TPM_RC.SUCCESS });
    await client.run(SelfTest, { params: { fullTest: true } });
    expect((await client.run(GetTestResult, { params: {} })).testResult).to.equal(TPM_RC.SUCCESS);
  });
});
