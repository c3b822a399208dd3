import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { TPM2B_PUBLIC, marshal } from '@vtpm/tpm';
import { decodeEvidence, encodeEvidence } from '@vtpm/attest';
import { BrokerClient, BrokerRefused, answerChallenge, generateEphemeralKey, obtainVmKey, unwrapGrantedKey, type ReleaseRequest } from '../src/index.js';
import { enrolAll, startBroker, type BrokerUnderTest } from './support/brokerUnderTest.js';
import { TAMPERED_BOOT, bootHost, type MeasuredHost } from './support/measuredHost.js';
import { policyFromGoldenHost } from './support/releasePolicies.js';

/** The refusal a call ends in (it must not succeed). */
async function refusalOf(p: Promise<unknown>): Promise<BrokerRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BrokerRefused) return e;
    throw e;
  }
  throw new Error('expected the broker to refuse');
}

describe('keybroker release (SQLite, HTTP on loopback)', function () {
  this.timeout(60_000);
  let b: BrokerUnderTest;
  let good: MeasuredHost, twin: MeasuredHost, tampered: MeasuredHost, stranger: MeasuredHost, revoked: MeasuredHost;
  const vmKey = randomBytes(64);

  before(async () => {
    b = await startBroker({ rateLimit: { perSecond: 1000, burst: 1000 } });
    [good, twin, tampered, stranger, revoked] = await Promise.all([bootHost('good'), bootHost('twin'), bootHost('tampered', TAMPERED_BOOT), bootHost('stranger'), bootHost('revoked')]);
    await enrolAll(b.admin, good, twin, tampered, revoked);
    const policy = await policyFromGoldenHost(good);
    for (const vm of ['vm-a', 'vm-b']) {
      await b.admin.addVm(vm, { tenant: 'acme', ...(vm === 'vm-a' ? { key: vmKey } : {}) });
      await b.admin.setPolicy(vm, policy);
    }
    await b.admin.revokeHost('revoked');
  });
  after(() => b?.stop());

  /** The refusal must be in the response and be the audit log's last line, with the same reason. */
  async function expectRefused(p: Promise<unknown>, reason: string): Promise<BrokerRefused> {
    const r = await refusalOf(p);
    expect(r.reason, r.message).to.equal(reason);
    expect(r.message.startsWith(`${reason}: `)).to.equal(true);
    const log = await b.admin.releaseLog();
    const last = log[log.length - 1]!;
    expect(last.outcome).to.equal('refused');
    expect(last.reason).to.equal(reason);
    return r;
  }

  async function request(host: MeasuredHost, vmId = 'vm-a', asHost = host.hostId) {
    const challenge = await b.hostClient.requestChallenge(vmId, asHost);
    const ephemeral = generateEphemeralKey();
    const req = await answerChallenge({ ...host, hostId: asHost }, challenge, ephemeral);
    return { challenge, ephemeral, req };
  }

  it('releases the VM key to a good host, wrapped to its ephemeral key', async () => {
    const got = await obtainVmKey(b.hostClient, good, 'vm-a');
    expect(got.key.equals(vmKey)).to.equal(true);
    expect(got.keyVersion).to.equal(1);
    const last = (await b.admin.releaseLog({ vmId: 'vm-a' })).at(-1)!;
    expect(last).to.include({ outcome: 'released', hostId: 'good', keyVersion: 1, policyVersion: 1 });
  });

  it('releases over JSON bodies too', async () => {
    const got = await obtainVmKey(new BrokerClient(b.running.url, { encoding: 'json' }), good, 'vm-a');
    expect(got.key.equals(vmKey)).to.equal(true);
  });

  it('refuses a host whose PCRs do not match the policy (pcr-mismatch)', async () => {
    const r = await expectRefused(obtainVmKey(b.hostClient, tampered, 'vm-a'), 'pcr-mismatch');
    expect(r.message).to.contain('PCR 4');
  });

  it('refuses a replayed nonce (nonce-replayed)', async () => {
    const { req } = await request(good);
    await b.hostClient.release(req);
    await expectRefused(b.hostClient.release(req), 'nonce-replayed');
  });

  it('refuses an expired nonce (nonce-expired)', async () => {
    const { req } = await request(good);
    b.clock.now += 61_000;
    try {
      await expectRefused(b.hostClient.release(req), 'nonce-expired');
    } finally {
      b.clock.now -= 61_000;
    }
  });

  it('refuses a nonce it never issued (nonce-unknown)', async () => {
    const { req } = await request(good);
    await expectRefused(b.hostClient.release({ ...req, nonceId: 'f'.repeat(32) }), 'nonce-unknown');
  });

  it('refuses an AK it never enrolled (ak-unknown)', async () => {
    await expectRefused(obtainVmKey(b.hostClient, stranger, 'vm-a'), 'ak-unknown');
  });

  it('refuses a revoked host (ak-revoked), also after an attempt to enrol its AK again', async () => {
    await expectRefused(obtainVmKey(b.hostClient, revoked, 'vm-a'), 'ak-revoked');
    const again = await enrolAll(b.admin, revoked).then(() => null, (e: unknown) => e as Error);
    expect(again?.message).to.match(/ak-revoked.*was revoked at .*cannot be enrolled again/);
    await expectRefused(obtainVmKey(b.hostClient, revoked, 'vm-a'), 'ak-revoked');
  });

  it('refuses evidence bound to another ephemeral key (evidence-bound-to-different-key)', async () => {
    const { req } = await request(good);
    const other = generateEphemeralKey();
    const r = await expectRefused(b.hostClient.release({ ...req, ephemeralPublicKey: other.publicKey }), 'evidence-bound-to-different-key');
    expect(r.verifierReason).to.equal('nonce-mismatch');
  });

  it('refuses a quote from another TPM answering this host\'s challenge (quote-from-different-tpm)', async () => {
    // twin boots the same software, so only the TPM identity differs.
    const { req } = await request(twin, 'vm-a', 'good');
    await expectRefused(b.hostClient.release(req), 'quote-from-different-tpm');
  });

  it('refuses a quote signed by another TPM under this host\'s AK public area (quote-from-different-tpm)', async () => {
    const { req } = await request(twin, 'vm-a', 'good');
    const evidence = decodeEvidence(req.evidence);
    if (!evidence.ok) throw new Error(evidence.message);
    const forged: ReleaseRequest = { ...req, evidence: encodeEvidence({ ...evidence.value, akPublic: marshal(TPM2B_PUBLIC, good.ak.public) }) };
    const r = await expectRefused(b.hostClient.release(forged), 'quote-from-different-tpm');
    expect(r.verifierReason).to.equal('signature-invalid');
  });

  it('refuses evidence made for another VM\'s challenge (policy-for-different-vm)', async () => {
    const { req } = await request(good, 'vm-b');
    await expectRefused(b.hostClient.release({ ...req, vmId: 'vm-a' }), 'policy-for-different-vm');
  });

  it('a refused attempt uses the nonce up', async () => {
    const { req } = await request(good);
    await refusalOf(b.hostClient.release({ ...req, ephemeralPublicKey: generateEphemeralKey().publicKey }));
    await expectRefused(b.hostClient.release(req), 'nonce-replayed');
  });

  it('tenant API: rotate the key, version the policy, list the log', async () => {
    const v2 = await b.admin.setKey('vm-b');
    expect(v2).to.equal(2);
    const p1 = (await b.admin.policy('vm-b')).policy!;
    const p2 = await b.admin.setPolicy('vm-b', { ...p1, hostClass: 'hypervisor-1.0-rev2' });
    expect(p2).to.equal(2);
    expect((await b.admin.policy('vm-b', 1)).policy!.hostClass).to.equal('hypervisor-1.0');
    const { challenge, ephemeral, req } = await request(good, 'vm-b');
    const granted = await b.hostClient.release(req);
    expect(granted).to.include({ keyVersion: 2, policyVersion: 2 });
    expect(unwrapGrantedKey(granted, ephemeral, challenge.nonce)).to.have.length(64);
    const log = await b.admin.releaseLog({ vmId: 'vm-b' });
    expect(log.map((e) => e.outcome)).to.include.members(['vm-added', 'key-set', 'policy-set', 'released']);
    expect(log.map((e) => e.seq)).to.deep.equal([...log.map((e) => e.seq)].sort((x, y) => x - y));
  });

  it('tenant routes need the admin token', async () => {
    const r = await refusalOf(b.hostClient.addVm('sneaky'));
    expect(r.status).to.equal(401);
  });

  it('refuses a VM without a release policy at the challenge', async () => {
    await b.admin.addVm('vm-no-policy');
    const r = await refusalOf(b.hostClient.requestChallenge('vm-no-policy', 'good'));
    expect(r.reason).to.equal('no-release-policy');
  });
});

describe('keybroker rate limiting', function () {
  this.timeout(60_000);
  it('refuses a host past its burst of attempts (rate-limited, HTTP 429) and audits it', async () => {
    const b = await startBroker({ rateLimit: { perSecond: 0.001, burst: 2 } });
    try {
      const host = await bootHost('busy');
      await enrolAll(b.admin, host);
      await b.admin.addVm('vm-r');
      await b.admin.setPolicy('vm-r', await policyFromGoldenHost(host));
      await b.hostClient.requestChallenge('vm-r', 'busy');
      await b.hostClient.requestChallenge('vm-r', 'busy');
      const r = await refusalOf(b.hostClient.requestChallenge('vm-r', 'busy'));
      expect(r.status).to.equal(429);
      expect(r.reason).to.equal('rate-limited');
      expect((await b.admin.releaseLog()).at(-1)).to.include({ outcome: 'refused', reason: 'rate-limited', hostId: 'busy' });
      await b.hostClient.requestChallenge('vm-r', 'other-host');
    } finally {
      await b.stop();
    }
  });
});
