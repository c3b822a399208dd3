import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { TPMT_SIGNATURE, marshal } from '@vtpm/tpm';
import {
  EV, TRUST_TIER, allowedEventDigestsFromLog, appraise, encodeEvidence, generateVerifierKey, pcrSelection, signResult, verifyResult,
  type AppraisalContext, type EnrolledAk, type Evidence, type HostClassPolicy,
} from '../src/index.js';
import { GOLDEN_BOOT, bootHost, enrol, makeManufacturer, type Manufacturer, type Measurement, type MeasuredHost } from './measuredHost.js';
import { SHA256, quote, readPcrs } from './tpmFixture.js';

const SELECTION = [pcrSelection(SHA256, [0, 1, 2, 3, 4, 5, 6, 7])];

/** The host's evidence for `nonce`: quote, PCR values, AK, and (unless dropped) its event log. */
async function evidenceOf(host: MeasuredHost, nonce: Buffer, o: { log?: Buffer | null } = {}): Promise<Evidence> {
  const q = await quote(host.client, host.ak.handle, nonce, SELECTION);
  const e: Evidence = { quote: q.quoted, signature: marshal(TPMT_SIGNATURE, q.signature), pcrSelection: SELECTION, pcrValues: await readPcrs(host.client, SELECTION), akPublic: marshal((await import('@vtpm/tpm')).TPM2B_PUBLIC, host.ak.pub), nonce };
  const log = o.log === undefined ? host.log : o.log;
  if (log) e.eventLog = log;
  return e;
}

describe('appraise: evidence against a host class’s reference values', function () {
  this.timeout(60000);
  let manufacturer: Manufacturer;
  let golden: MeasuredHost;
  let enrolled: EnrolledAk;
  let policy: HostClassPolicy;
  const context = (nonce: Buffer, known = true): AppraisalContext => ({ nonce, enrolledAk: (name) => (known && name.equals(enrolled.akName) ? enrolled : undefined) });

  before(async () => {
    manufacturer = await makeManufacturer();
    golden = await bootHost();
    enrolled = await enrol(golden, manufacturer);
    const quoted = await readPcrs(golden.client, SELECTION);
    policy = {
      hostClass: 'hypervisor-gen2',
      policyId: 'policy:hypervisor-gen2@1',
      pcrSelection: SELECTION,
      // code and Secure Boot policy by event digests from the golden log; the rest by value
      allowedEventDigests: allowedEventDigestsFromLog(golden.log, [0, 2, 4, 7]),
      allowedPcrValues: new Map([[SHA256, new Map([1, 3, 5, 6].map((p) => [p, [quoted.get(SHA256)!.get(p)!]]))]]),
    };
  });

  /** A host booted with `boot` (same TPM seed, so the same enrolled AK), appraised under the policy. */
  async function appraiseBoot(boot: readonly Measurement[], o: { log?: Buffer | null; known?: boolean } = {}) {
    const host = await bootHost(boot);
    const nonce = randomBytes(32);
    return appraise(await evidenceOf(host, nonce, o), policy, context(nonce, o.known ?? true));
  }

  it('affirms a host that booted the golden chain, with an enrolled AK and a manufacturer EK certificate; the signed result verifies', async () => {
    const nonce = randomBytes(32);
    const outcome = appraise(encodeEvidence(await evidenceOf(golden, nonce)), policy, context(nonce));
    const tpm = outcome.result.submods.tpm!;
    expect(tpm.trustVector).to.include({ 'instance-identity': 2, hardware: 2, executables: 2, configuration: 2, 'file-system': 0 });
    expect(tpm.status).to.equal(TRUST_TIER.affirming);
    expect(tpm.policyId).to.equal('policy:hypervisor-gen2@1');
    expect(tpm.annotations).to.include({ 'host-class': 'hypervisor-gen2', 'event-log': 'replayed', 'ek.model': 'vtpm' });
    expect(outcome.quote?.akName).to.deep.equal(enrolled.akName);

    const key = generateVerifierKey();
    const checked = verifyResult(signResult(outcome.result, key.privateKey), key.publicKey);
    if (!checked.ok) expect.fail(checked.message);
    expect(checked.value.nonce).to.deep.equal(nonce);
    expect(checked.value.submods.tpm!.status).to.equal(TRUST_TIER.affirming);
  });

  it('contraindicates executables when another boot loader ran (its event digest is not a reference value)', async () => {
    const evil = GOLDEN_BOOT.map(([pcr, type, content]) => [pcr, type, content === 'grub 2.12' ? 'grub 2.12 with a backdoor' : content] as const);
    const tpm = (await appraiseBoot(evil)).result.submods.tpm!;
    expect(tpm.trustVector.executables).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.trustVector.configuration).to.equal(TRUST_TIER.affirming);
    expect(tpm.status).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.annotations!['executables.problems']).to.match(/\(EV_EFI_BOOT_SERVICES_APPLICATION\) sha256 digest [0-9a-f]+ is not an allowed reference value/);
  });

  it('contraindicates configuration when a PCR judged by value differs (another boot order)', async () => {
    const other = GOLDEN_BOOT.map(([pcr, type, content]) => [pcr, type, content === 'BootOrder 0001' ? 'BootOrder 0002' : content] as const);
    const tpm = (await appraiseBoot(other)).result.submods.tpm!;
    expect(tpm.trustVector.configuration).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.trustVector.executables).to.equal(TRUST_TIER.affirming);
  });

  it('contraindicates when the event log does not replay to the quoted PCRs (an event hidden from the log)', async () => {
    const host = await bootHost([...GOLDEN_BOOT, [4, EV.EFI_BOOT_SERVICES_APPLICATION, 'unlogged kernel']]);
    const nonce = randomBytes(32);
    const tpm = appraise(await evidenceOf(host, nonce, { log: golden.log }), policy, context(nonce)).result.submods.tpm!;
    expect(tpm.trustVector.executables).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.annotations!['executables.problems']).to.match(/does not replay to the quoted value: PCR 4/);
  });

  it('contraindicates PCRs judged by event digests when the evidence has no event log', async () => {
    const tpm = (await appraiseBoot(GOLDEN_BOOT, { log: null })).result.submods.tpm!;
    expect(tpm.trustVector.executables).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.annotations!['event-log']).to.equal('absent');
  });

  it('contraindicates instance identity for an AK the registrar never enrolled', async () => {
    const tpm = (await appraiseBoot(GOLDEN_BOOT, { known: false })).result.submods.tpm!;
    expect(tpm.trustVector['instance-identity']).to.equal(TRUST_TIER.contraindicated);
    expect(tpm.trustVector.hardware).to.equal(TRUST_TIER.none);
    expect(tpm.status).to.equal(TRUST_TIER.contraindicated);
  });

  it('a refused quote (wrong nonce) contraindicates identity and every PCR-based claim, with the reason', async () => {
    const outcome = appraise(await evidenceOf(golden, randomBytes(32)), policy, context(randomBytes(32)));
    const tpm = outcome.result.submods.tpm!;
    expect(outcome.quote).to.equal(null);
    expect(outcome.refusal?.reason).to.equal('nonce-mismatch');
    expect(tpm.trustVector).to.include({ 'instance-identity': 96, executables: 96, configuration: 96 });
    expect(tpm.annotations!['refusal.reason']).to.equal('nonce-mismatch');
  });

  it('warns when only some of a claim’s quoted PCRs have reference values', async () => {
    const partial: HostClassPolicy = { ...policy, allowedPcrValues: new Map([[SHA256, new Map([[1, policy.allowedPcrValues!.get(SHA256)!.get(1)!]])]]) };
    const nonce = randomBytes(32);
    const tpm = appraise(await evidenceOf(golden, nonce), partial, context(nonce)).result.submods.tpm!;
    expect(tpm.trustVector.configuration).to.equal(TRUST_TIER.warning);
    expect(tpm.status).to.equal(TRUST_TIER.warning);
  });

  it('refuses undecodable evidence bytes (malformed-evidence) without throwing', () => {
    const outcome = appraise(Buffer.from('garbage'), policy, context(randomBytes(32)));
    expect(outcome.refusal?.reason).to.equal('malformed-evidence');
    expect(outcome.result.submods.tpm!.status).to.equal(TRUST_TIER.contraindicated);
  });
});
