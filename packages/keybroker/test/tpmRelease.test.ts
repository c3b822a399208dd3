import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { CreatePrimary, FlushContext, PCR_Extend, TPM_ALG, TPM_ECC_CURVE, TPM_RC, TPM_RH, TPMA_OBJECT, TPM2B_PUBLIC, TpmResponseError, marshal, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { BrokerRefused, evidenceForChallenge, obtainVmKey, obtainVmKeyThroughTpm, requestTpmRelease, unsealReleasedKey, type TpmReleaseGranted } from '../src/index.js';
import { enrolAll, startBroker, type BrokerUnderTest } from './support/brokerUnderTest.js';
import { TAMPERED_BOOT, bootHost, type MeasuredHost } from './support/measuredHost.js';
import { policyFromGoldenHost } from './support/releasePolicies.js';

const A = TPMA_OBJECT;
const NONE = { scheme: TPM_ALG.NULL, details: null };
const SRK_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, objectAttributes: A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.decrypt | A.noDA, authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: NONE, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NONE },
  unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
};

/** The host TPM's storage root key (owner hierarchy). */
async function storageKey(tpm: TpmClient, template = SRK_TEMPLATE, hierarchy: number = TPM_RH.OWNER): Promise<{ handle: number; public: TpmtPublic }> {
  const r = await tpm.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy }, auth: [{ password: '' }],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  return { handle: r.handle, public: r.outPublic };
}

/** The TPMs have three object slots (EK and AK take two): the SRK is recreated for each use and flushed after. */
async function withSrk<T>(tpm: TpmClient, use: (handle: number) => Promise<T>, template = SRK_TEMPLATE, hierarchy: number = TPM_RH.OWNER): Promise<T> {
  const { handle } = await storageKey(tpm, template, hierarchy);
  try {
    return await use(handle);
  } finally {
    await tpm.run(FlushContext, { params: { flushHandle: handle } });
  }
}

async function tpmError(p: Promise<unknown>): Promise<TpmResponseError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'expected the TPM to refuse').to.be.instanceOf(TpmResponseError);
  return e as TpmResponseError;
}

describe('keybroker release mode 2: TPM2 duplication blob to the host TPM', function () {
  this.timeout(60_000);
  let b: BrokerUnderTest;
  let good: MeasuredHost, other: MeasuredHost, drifting: MeasuredHost, tampered: MeasuredHost;
  const srk = new Map<string, { public: TpmtPublic }>();
  const vmKey = randomBytes(64);

  before(async () => {
    b = await startBroker({ rateLimit: { perSecond: 1000, burst: 1000 } });
    [good, other, drifting, tampered] = await Promise.all([bootHost('tpm-good'), bootHost('tpm-other'), bootHost('tpm-drifting'), bootHost('tpm-tampered', TAMPERED_BOOT)]);
    await enrolAll(b.admin, good, other, drifting, tampered);
    for (const h of [good, other, drifting, tampered]) {
      // three object slots: the AK stays loaded, the EK and the SRK are recreated when needed
      await h.tpm.run(FlushContext, { params: { flushHandle: h.ek.handle } });
      const k = await storageKey(h.tpm);
      await h.tpm.run(FlushContext, { params: { flushHandle: k.handle } });
      srk.set(h.hostId, { public: k.public });
    }
    await b.admin.addVm('vm-t', { tenant: 'acme', key: vmKey });
    await b.admin.setPolicy('vm-t', await policyFromGoldenHost(good));
  });
  after(() => b?.stop());

  const lastAudit = async () => (await b.admin.releaseLog({ vmId: 'vm-t' })).at(-1)!;

  it('the good host imports, loads and unseals the VM key under its storage key (no inner wrapper); the audit line names the mode', async () => {
    const granted = await requestTpmRelease(b.hostClient, good, 'vm-t', { parent: srk.get('tpm-good')! });
    expect(granted).to.include({ mode: 'tpm-duplication', keyVersion: 1, policyVersion: 1 });
    expect(granted.encryptionKey.length).to.equal(0);
    expect(granted.duplicate.includes(vmKey.subarray(0, 16))).to.equal(false);
    expect((await withSrk(good.tpm, (h) => unsealReleasedKey(good.tpm, h, granted))).equals(vmKey)).to.equal(true);
    const line = await lastAudit();
    expect(line).to.include({ outcome: 'released', hostId: 'tpm-good', keyVersion: 1, policyVersion: 1 });
    expect(line.message).to.contain('(mode tpm-duplication)');
  });

  it('with the inner wrapper on, and to the EK from enrolment', async () => {
    const viaSrk = await withSrk(good.tpm, (handle) => obtainVmKeyThroughTpm(b.hostClient, good, 'vm-t', { parent: { handle, public: srk.get('tpm-good')!.public }, innerWrapper: true }));
    expect(viaSrk.key.equals(vmKey)).to.equal(true);
    const granted = await requestTpmRelease(b.hostClient, good, 'vm-t', { parent: good.ek, isEk: true, innerWrapper: true });
    expect(granted.encryptionKey.length).to.equal(16);
    // the EK is a primary key: the same template recreates it
    const ekTemplate = { ...good.ek.public, unique: Buffer.alloc(0) };
    expect((await withSrk(good.tpm, (ek) => unsealReleasedKey(good.tpm, ek, granted), ekTemplate, TPM_RH.ENDORSEMENT)).equals(vmKey)).to.equal(true);
  });

  it('the same blob does not import on another TPM (TPM_RC_INTEGRITY)', async () => {
    for (const innerWrapper of [false, true]) {
      const granted = await requestTpmRelease(b.hostClient, good, 'vm-t', { parent: srk.get('tpm-good')!, innerWrapper });
      const e = await tpmError(withSrk(other.tpm, (h) => unsealReleasedKey(other.tpm, h, granted)));
      expect(e.command).to.equal('Import');
      expect(e.rc & 0xbf).to.equal(TPM_RC.INTEGRITY & 0xbf);
      expect(e.message).to.contain('INTEGRITY');
    }
  });

  it('after a PCR of the policy changes, Unseal fails with TPM_RC_POLICY_FAIL (0x99d)', async () => {
    const granted: TpmReleaseGranted = await requestTpmRelease(b.hostClient, drifting, 'vm-t', { parent: srk.get('tpm-drifting')! });
    await drifting.tpm.run(PCR_Extend, { handles: { pcrHandle: 4 }, auth: [{ password: '' }], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: randomBytes(32) }] } });
    const e = await tpmError(withSrk(drifting.tpm, (h) => unsealReleasedKey(drifting.tpm, h, granted)));
    expect(e.command).to.equal('Unseal');
    expect(e.rc).to.equal(0x99d);
  });

  it('refuses a host whose PCRs do not match the policy, audited with the mode', async () => {
    const r = await requestTpmRelease(b.hostClient, tampered, 'vm-t', { parent: srk.get('tpm-tampered')! }).then(() => undefined, (e: unknown) => e);
    expect(r).to.be.instanceOf(BrokerRefused);
    expect((r as BrokerRefused).reason).to.equal('pcr-mismatch');
    const line = await lastAudit();
    expect(line).to.include({ outcome: 'refused', reason: 'pcr-mismatch', hostId: 'tpm-tampered' });
    expect(line.message).to.contain('(mode tpm-duplication)');
  });

  it('refuses a storage key the quote is not bound to (evidence-bound-to-different-key), and a parent that is not a storage key (bad-request)', async () => {
    const challenge = await b.hostClient.requestChallenge('vm-t', 'tpm-good');
    const evidence = await evidenceForChallenge(good, challenge, marshal(TPM2B_PUBLIC, srk.get('tpm-good')!.public));
    const swapped = await b.hostClient.releaseToTpm({ nonceId: challenge.nonceId, vmId: 'vm-t', hostId: 'tpm-good', evidence, storageKeyPublic: marshal(TPM2B_PUBLIC, srk.get('tpm-other')!.public) }).then(() => undefined, (e: unknown) => e);
    expect((swapped as BrokerRefused).reason).to.equal('evidence-bound-to-different-key');

    const c2 = await b.hostClient.requestChallenge('vm-t', 'tpm-good');
    const akOctets = marshal(TPM2B_PUBLIC, good.ak.public);
    const e2 = await evidenceForChallenge(good, c2, akOctets);
    const notStorage = await b.hostClient.releaseToTpm({ nonceId: c2.nonceId, vmId: 'vm-t', hostId: 'tpm-good', evidence: e2, storageKeyPublic: akOctets }).then(() => undefined, (e: unknown) => e);
    expect((notStorage as BrokerRefused).reason).to.equal('bad-request');
    expect((notStorage as BrokerRefused).status).to.equal(400);
  });

  it('the first mode still works and its audit line names its mode', async () => {
    expect((await obtainVmKey(b.hostClient, good, 'vm-t')).key.equals(vmKey)).to.equal(true);
    expect((await lastAudit()).message).to.contain('(mode ephemeral-key)');
  });
});
