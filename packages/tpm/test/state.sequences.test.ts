import { expect } from 'chai';
import { ContextLoad, ContextSave, HashSequenceStart, SequenceUpdate, TPM_ALG, TPM_RC } from '../src/index.js';
import { mustFail } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';
import { restoreOnClock, richTpm } from './stateTestKit.js';

describe('state blobs: hash sequences in flight are not carried (docs/state.md)', () => {
  it('a loaded sequence is gone after restore, and so is the state behind a saved sequence context', async () => {
    const f = await richTpm();
    const seq = await f.client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: TPM_ALG.SHA256 } });
    await f.client.run(SequenceUpdate, { handles: { sequenceHandle: seq.handle }, auth: [pw()], params: { buffer: Buffer.from('abc') } });
    const context = (await f.client.run(ContextSave, { handles: { saveHandle: seq.handle }, params: {} })).context;
    const r = restoreOnClock(f.tpm.save(), f.clock.ms);
    expect(r.tpm.objects.get(seq.handle)).to.equal(undefined);
    expect(await mustFail(r.client.run(SequenceUpdate, { handles: { sequenceHandle: seq.handle }, auth: [pw()], params: { buffer: Buffer.from('d') } }))).to.equal(TPM_RC.REFERENCE_H0);
    expect(await mustFail(r.client.run(ContextLoad, { params: { context } }))).to.equal(TPM_RC.HANDLE + 0x140);
    // the original still has both
    await f.client.run(SequenceUpdate, { handles: { sequenceHandle: seq.handle }, auth: [pw()], params: { buffer: Buffer.from('d') } });
  });

  it('a restored TPM never reuses a reference a saved sequence context holds', async () => {
    const f = await richTpm();
    const seq = await f.client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: TPM_ALG.SHA256 } });
    const before = f.tpm.contexts.sequences.lastRef;
    await f.client.run(ContextSave, { handles: { saveHandle: seq.handle }, params: {} });
    const r = restoreOnClock(f.tpm.save(), f.clock.ms);
    expect(r.tpm.contexts.sequences.lastRef).to.equal(before + 1n);
  });
});
