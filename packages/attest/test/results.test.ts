import { expect } from 'chai';
import { createPublicKey, verify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { Decoder, Tag } from 'cbor-x';
import { encodeCbor } from '../src/cbor.js';
import {
  EAR_PROFILE, TRUST_TIER, emptyTrustVector, generateVerifierKey, signCoseSign1, signResult, statusOf, verifyResult,
  type AttestationResult, type Verdict,
} from '../src/index.js';

const plain = new Decoder({ mapsAsObjects: false, useRecords: false });

function sampleResult(): AttestationResult {
  const trustVector = { ...emptyTrustVector(), 'instance-identity': TRUST_TIER.affirming, executables: TRUST_TIER.affirming, configuration: TRUST_TIER.warning, hardware: TRUST_TIER.affirming };
  return {
    profile: EAR_PROFILE,
    issuedAt: 1_790_000_000,
    verifier: { build: '@vtpm/attest test', developer: 'vtpm' },
    nonce: Buffer.from('relying party nonce'),
    submods: { tpm: { status: statusOf(trustVector), trustVector, policyId: 'policy:hypervisor-gen2', annotations: { 'host-class': 'hypervisor-gen2', 'quote.safe': true, 'quote.reset-count': 3, 'ak-name': Buffer.from('000b', 'hex') } } },
  };
}

function expectRefused(v: Verdict<unknown>, reason: string): void {
  expect(v.ok, v.ok ? 'accepted' : v.message).to.equal(false);
  if (!v.ok) {
    expect(v.reason).to.equal(reason);
    expect(v.message).to.match(new RegExp(`^${reason}: `));
  }
}

/** CBOR byte string header, written out by hand (RFC 8949, major type 2). */
function bstr(b: Uint8Array): Buffer {
  const n = b.length;
  const head = n < 24 ? [0x40 + n] : n < 256 ? [0x58, n] : [0x59, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from(head), b]);
}

describe('attestation results (EAR in COSE_Sign1, ES256)', () => {
  const key = generateVerifierKey();

  it('the status is the worst claim tier', () => {
    expect(sampleResult().submods.tpm!.status).to.equal(TRUST_TIER.warning);
    expect(statusOf(emptyTrustVector())).to.equal(TRUST_TIER.none);
  });

  it('signResult / verifyResult round-trip the result', () => {
    const v = verifyResult(signResult(sampleResult(), key.privateKey), key.publicKey);
    if (!v.ok) expect.fail(v.message);
    expect(v.value).to.deep.equal(sampleResult());
  });

  it('is a tagged COSE_Sign1 whose ES256 signature over ["Signature1", h\'A10126\', h\'\', payload] node:crypto verifies', () => {
    const cose = signResult(sampleResult(), key.privateKey);
    const tagged = plain.decode(cose) as Tag;
    expect(tagged).to.be.instanceOf(Tag);
    expect(tagged.tag).to.equal(18);
    const [protectedHeader, unprotected, payload, signature] = tagged.value as [Buffer, Map<unknown, unknown>, Buffer, Buffer];
    expect(Buffer.from(protectedHeader).toString('hex')).to.equal('a10126'); // {1: -7}
    expect(unprotected).to.be.instanceOf(Map).and.have.property('size', 0);
    expect(signature).to.have.length(64);
    // Sig_structure built by hand, verified by OpenSSL with an r||s signature
    const sigStructure = Buffer.concat([Buffer.from([0x84, 0x6a]), Buffer.from('Signature1'), bstr(protectedHeader), Buffer.from([0x40]), bstr(payload)]);
    const jwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(key.publicKey.subarray(1, 33)).toString('base64url'), y: Buffer.from(key.publicKey.subarray(33)).toString('base64url') };
    expect(verify('sha256', sigStructure, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)).to.equal(true);
  });

  it('the payload uses the EAR CBOR claim keys', () => {
    const [, , payload] = (plain.decode(signResult(sampleResult(), key.privateKey)) as Tag).value as Buffer[];
    const claims = plain.decode(payload!) as Map<number, unknown>;
    expect([...claims.keys()].sort((a, b) => a - b)).to.deep.equal([6, 10, 265, 266, 1004]);
    expect(claims.get(265)).to.equal('tag:github.com,2023:veraison/ear');
    expect(claims.get(1004)).to.deep.equal(new Map<number, string>([[0, '@vtpm/attest test'], [1, 'vtpm']]));
    const tpm = (claims.get(266) as Map<string, Map<unknown, unknown>>).get('tpm')!;
    expect(tpm.get(1000)).to.equal(32);
    expect(tpm.get(1001)).to.deep.equal(new Map([[0, 2], [1, 32], [2, 2], [4, 2]]));
    expect(tpm.get(1003)).to.equal('policy:hypervisor-gen2');
  });

  it('accepts a node:crypto KeyObject as the verifier key and an untagged COSE_Sign1', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(key.publicKey.subarray(1, 33)).toString('base64url'), y: Buffer.from(key.publicKey.subarray(33)).toString('base64url') };
    const cose = signResult(sampleResult(), key.privateKey);
    expect(verifyResult(cose, createPublicKey({ key: jwk, format: 'jwk' })).ok).to.equal(true);
    expect(verifyResult(encodeCbor((plain.decode(cose) as Tag).value), key.publicKey).ok).to.equal(true);
  });

  describe('verifyResult refuses', () => {
    it('a changed payload (result-signature-invalid)', () => {
      const [p, u, payload, s] = (plain.decode(signResult(sampleResult(), key.privateKey)) as Tag).value as [Buffer, Map<unknown, unknown>, Buffer, Buffer];
      const changed = Buffer.from(payload);
      changed[changed.length - 1]! ^= 1;
      expectRefused(verifyResult(encodeCbor(new Tag([p, u, changed, s], 18)), key.publicKey), 'result-signature-invalid');
    });

    it('a result signed by another key (result-signature-invalid)', () => {
      expectRefused(verifyResult(signResult(sampleResult(), generateVerifierKey().privateKey), key.publicKey), 'result-signature-invalid');
    });

    it('a protected header that is not alg ES256 (result-signature-invalid)', () => {
      const payload = Buffer.from('a0', 'hex');
      const header = encodeCbor(new Map([[1, -35]]));
      const sigStructure = encodeCbor(['Signature1', header, Buffer.alloc(0), payload]);
      const forged = encodeCbor(new Tag([header, new Map(), payload, Buffer.from(p256.sign(sigStructure, key.privateKey))], 18));
      expectRefused(verifyResult(forged, key.publicKey), 'result-signature-invalid');
    });

    it('a well-signed payload that is no EAR (malformed-result)', () => {
      expectRefused(verifyResult(signCoseSign1(encodeCbor(new Map([[265, 'other profile']])), key.privateKey), key.publicKey), 'malformed-result');
      const badTier = encodeCbor(new Map<number, unknown>([[265, EAR_PROFILE], [6, 1], [1004, new Map([[0, 'b'], [1, 'd']])], [266, new Map([['tpm', new Map<number, unknown>([[1000, 2], [1001, new Map([[0, 3]])]])]])]]));
      expectRefused(verifyResult(signCoseSign1(badTier, key.privateKey), key.publicKey), 'malformed-result');
    });

    it('bytes that are no COSE_Sign1 (result-signature-invalid)', () => {
      expectRefused(verifyResult(Buffer.from('a0', 'hex'), key.publicKey), 'result-signature-invalid');
      expectRefused(verifyResult(encodeCbor(new Tag([1, 2, 3, 4], 98)), key.publicKey), 'result-signature-invalid');
    });
  });
});
