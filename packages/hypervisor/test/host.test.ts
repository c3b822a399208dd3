import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ManufacturerCa, compareWithExpectedPcrs, describeMismatch, parseEventLog, replayEventLog, verifyQuote } from '@vtpm/attest';
import { FlushContext, PolicyGetDigest, PolicyPCR, TPM_ALG, TPM_SE, startSession } from '@vtpm/tpm';
import {
  BOOT_COMPONENT_PCR, BootMeasurementsChangedError, Host, MEASURED_BOOT_PCRS, OperatorKey, QUOTED_PCRS, differingPcrs, exampleBootChain, pcrPolicyDigest, pcrSelectionOf,
  type BootComponent,
} from '../src/index.js';

describe('Host: measured boot, sealed VM keys', () => {
  let ca: ManufacturerCa;
  before(async () => {
    ca = await ManufacturerCa.create();
  });
  const bootedHost = async (chain = exampleBootChain('1.0')) => {
    const host = await Host.create({ seed: Buffer.from('host test'), ca });
    await host.boot(chain);
    return host;
  };

  it('has an EK certificate and boots to an event log that replays to its quoted PCRs (@vtpm/attest)', async () => {
    const host = await bootedHost();
    expect(host.ekCertificates).to.have.length(1);
    const nonce = randomBytes(32);
    const q = await host.quote(nonce);
    const verdict = verifyQuote({ attest: q.quote.quoted, signature: q.quote.signature, akPublic: q.akPublic, nonce, pcrSelection: q.pcrs.pcrSelection, pcrValues: q.pcrs.pcrValues });
    expect(verdict.ok, verdict.ok ? '' : verdict.message).to.equal(true);
    if (!verdict.ok) return;
    const check = compareWithExpectedPcrs(parseEventLog(host.eventLog!), verdict.value.pcrValues);
    expect(check.ok, check.ok ? '' : check.mismatches.map(describeMismatch).join('; ')).to.equal(true);
    // every bank the log carries replays to the TPM's PCRs, not only the quoted SHA-256 bank
    expect(replayEventLog(parseEventLog(host.eventLog!)).size).to.equal(4);
    expect(QUOTED_PCRS).to.include.members(MEASURED_BOOT_PCRS as number[]);
  });

  for (const component of Object.keys(BOOT_COMPONENT_PCR) as BootComponent[]) {
    it(`changing the ${component} changes exactly PCR ${BOOT_COMPONENT_PCR[component]}`, async () => {
      const before = await (await bootedHost()).measuredBootPcrs();
      const after = await (await bootedHost({ ...exampleBootChain('1.0'), [component]: Buffer.from(`a different ${component}`) })).measuredBootPcrs();
      expect(differingPcrs(before, after)).to.deep.equal([BOOT_COMPONENT_PCR[component]]);
    });
  }

  it('the software PolicyPCR digest equals the TPM trial session digest', async () => {
    const host = await bootedHost();
    const trial = await startSession(host.client, { type: TPM_SE.TRIAL });
    await host.client.run(PolicyPCR, { handles: { policySession: trial.handle }, params: { pcrDigest: Buffer.alloc(0), pcrs: pcrSelectionOf(MEASURED_BOOT_PCRS) } });
    const { policyDigest } = await host.client.run(PolicyGetDigest, { handles: { policySession: trial.handle }, params: {} });
    await host.client.run(FlushContext, { params: { flushHandle: trial.handle } });
    expect(policyDigest.equals(pcrPolicyDigest(await host.measuredBootPcrs()))).to.equal(true);
    expect(TPM_ALG.SHA256).to.equal(0x0b);
  });

  for (const [component, pcr] of [['firmware', 0], ['hypervisorKernel', 9], ['hypervisorConfig', 8]] as const) {
    it(`a host whose ${component} changed cannot unseal; the error names PCR ${pcr}`, async () => {
      const host = await bootedHost();
      const vmKey = randomBytes(32);
      const sealed = await host.sealVmKey('vm-a', vmKey);
      expect((await host.unsealVmKey(sealed)).equals(vmKey)).to.equal(true);
      await host.boot({ ...exampleBootChain('1.0'), [component]: Buffer.from('tampered') });
      const err = await host.unsealVmKey(sealed).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(BootMeasurementsChangedError);
      expect((err as BootMeasurementsChangedError).pcrs).to.deep.equal([pcr]);
      expect((err as Error).message).to.contain(`PCR ${pcr} (${component})`).and.to.contain('TPM_RC_POLICY_FAIL');
      // booting the sealed configuration again opens it
      await host.boot(exampleBootChain('1.0'));
      expect((await host.unsealVmKey(sealed)).equals(vmKey)).to.equal(true);
    });
  }

  it('PolicyAuthorize: after the operator signs the upgraded measurements the upgraded host can unseal; unapproved ones cannot', async () => {
    const operator = OperatorKey.generate();
    const host = await bootedHost(exampleBootChain('1.0'));
    const vmKey = randomBytes(32);
    const sealed = await host.sealVmKey('vm-b', vmKey, operator);
    expect((await host.unsealVmKey(sealed)).equals(vmKey)).to.equal(true);

    // planned upgrade: the operator computes the PCRs of the new chain on a reference host and signs them
    const reference = await bootedHost(exampleBootChain('2.0'));
    const approval = operator.approve(await reference.measuredBootPcrs());

    await host.boot(exampleBootChain('2.0'));
    const before = await host.unsealVmKey(sealed).then(() => undefined, (e: unknown) => e);
    expect(before).to.be.instanceOf(BootMeasurementsChangedError);
    expect((before as BootMeasurementsChangedError).pcrs).to.deep.equal([...MEASURED_BOOT_PCRS]);

    sealed.operator!.approvals.push(approval);
    expect((await host.unsealVmKey(sealed)).equals(vmKey)).to.equal(true);

    // an approval forged with another key is refused by the TPM (VerifySignature)
    const forger = OperatorKey.generate();
    await host.boot({ ...exampleBootChain('2.0'), hypervisorKernel: Buffer.from('rogue kernel') });
    sealed.operator!.approvals.push({ ...forger.approve(await host.measuredBootPcrs()) });
    const forged = await host.unsealVmKey(sealed).then(() => undefined, (e: unknown) => e);
    expect(forged).to.be.instanceOf(Error);
    expect((forged as Error).message).to.match(/VerifySignature|SIGNATURE/);
  });
});
