import { expect } from 'chai';
import { responseCode, prepareWorkloads, startedTpm, WORKLOADS } from '../src/workloads.js';

describe('bench workloads', () => {
  it('marshals every workload to a command the TPM answers with TPM_RC_SUCCESS, again and again', async () => {
    const { prepared, failed } = await prepareWorkloads();
    expect(failed.map((f) => `${f.workload.name}: ${f.error.message}`)).to.deep.equal([]);
    expect(prepared.map((w) => w.name)).to.deep.equal(WORKLOADS.map((w) => w.name));
    const tpm = await startedTpm();
    for (const w of prepared) {
      for (let i = 0; i < 3; i++) expect(responseCode(tpm.execute(w.command)), w.name).to.equal(0);
    }
  });
});
