import { expect } from 'chai';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import {
  Certify,
  Hash,
  Sign,
  TPMS_ATTEST,
  TPMT_SIGNATURE,
  TPM_GENERATED_VALUE,
  TPM_RC,
  TPM_RH,
  TPM_ST,
  TpmResponseError,
  hash,
  marshal,
  type Attest,
  type PcrSelection,
  type QuoteInfo,
  type TpmtPublic,
} from '@vtpm/tpm';
import { pcrDigest, verifyQuote, type PcrValues, type QuoteInput, type Verdict, type VerifiedQuote } from '../src/index.js';
import {
  AK_ATTRIBUTES, ECDSA, NULL, PW, RSAPSS, RSASSA, SHA1, SHA256, SHA384, SHA512, UNRESTRICTED_SIGNING,
  createPrimary, eccTemplate, flush, measure, quote, readPcrs, reboot, rsaTemplate, scheme, sel, startedTpm, type Fixture,
} from './tpmFixture.js';

const nonce = (label: string) => hash(SHA256, Buffer.from(label));

/** A refusal with this reason, whose message names it. */
function expectRefused(v: Verdict<unknown>, reason: string): void {
  expect(v.ok, v.ok ? 'accepted' : v.message).to.equal(false);
  if (v.ok) return;
  expect(v.reason).to.equal(reason);
  expect(v.message.startsWith(`${reason}: `), v.message).to.equal(true);
}

function accepted(v: Verdict<VerifiedQuote>): VerifiedQuote {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

describe('verifyQuote', function () {
  this.timeout(30000);
  let f: Fixture;
  let ak: { handle: number; pub: TpmtPublic; name: Buffer };
  const SELECTION = [sel(SHA256, [0, 4, 7])];

  /** A genuine quote of `selection` by `signer`, with the values the TPM reports. */
  async function genuine(selection: PcrSelection[] = SELECTION, signer = ak, label = 'nonce', sch = scheme(NULL)): Promise<QuoteInput> {
    const n = nonce(label);
    const q = await quote(f.client, signer.handle, n, selection, sch);
    return { attest: q.quoted, signature: marshal(TPMT_SIGNATURE, q.signature), akPublic: signer.pub, nonce: n, pcrSelection: selection, pcrValues: await readPcrs(f.client, selection) };
  }

  before(async () => {
    f = await startedTpm();
    await measure(f.client, 0, 'firmware');
    await measure(f.client, 4, 'boot loader');
    await measure(f.client, 7, 'secure boot policy');
    ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
  });

  describe('accepts genuine quotes', () => {
    it('ECDSA P-256 / SHA-256: reports the AK Name, the quoted values, clock and safe flag', async () => {
      const input = await genuine();
      const q = accepted(verifyQuote(input));
      expect(q.akName).to.deep.equal(ak.name);
      expect(q.hashAlg).to.equal(SHA256);
      expect(q.pcrValues.get(SHA256)!.get(4)).to.deep.equal(input.pcrValues.get(SHA256)!.get(4));
      expect(q.safe).to.equal(true);
      expect(q.rebooted).to.equal(false);
    });

    for (const [name, s, h] of [['RSASSA / SHA-256', RSASSA, SHA256], ['RSAPSS / SHA-384', RSAPSS, SHA384]] as const) {
      it(`${name}, over two banks`, async () => {
        const rsaAk = await createPrimary(f.client, rsaTemplate(AK_ATTRIBUTES, scheme(s, h)));
        try {
          const input = await genuine([sel(SHA256, [0, 7]), sel(SHA384, [4])], rsaAk, name);
          expect(accepted(verifyQuote(input)).hashAlg).to.equal(h);
        } finally {
          await flush(f.client, rsaAk.handle);
        }
      });
    }

    for (const [curve, curveID, h] of [['P-384', 4, SHA384], ['P-521', 5, SHA512]] as const) {
      it(`ECDSA ${curve} / ${h === SHA384 ? 'SHA-384' : 'SHA-512'}`, async () => {
        const key = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES, scheme(ECDSA, h), curveID));
        try {
          expect(accepted(verifyQuote(await genuine(SELECTION, key, curve))).hashAlg).to.equal(h);
        } finally {
          await flush(f.client, key.handle);
        }
      });
    }

    it('the AK as TPM2B_PUBLIC or TPMT_PUBLIC octets, the signature parsed or as octets', async () => {
      const input = await genuine();
      const { TPM2B_PUBLIC, TPMT_PUBLIC, unmarshal } = await import('@vtpm/tpm');
      expect(verifyQuote({ ...input, akPublic: marshal(TPM2B_PUBLIC, ak.pub) }).ok).to.equal(true);
      expect(verifyQuote({ ...input, akPublic: marshal(TPMT_PUBLIC, ak.pub) }).ok).to.equal(true);
      expect(verifyQuote({ ...input, signature: unmarshal(TPMT_SIGNATURE, input.signature as Buffer) }).ok).to.equal(true);
    });

    it('reports a reboot (resetCount changed) against the last quote from the AK', async () => {
      const before = accepted(verifyQuote(await genuine()));
      await reboot(f);
      await measure(f.client, 0, 'firmware');
      ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES)); // same seed and template: same key, same Name
      expect(ak.name).to.deep.equal(before.akName);
      const after = accepted(verifyQuote(await genuine(), { lastQuote: before }));
      expect(after.rebooted).to.equal(true);
      expect(after.clockInfo.resetCount).to.equal(before.clockInfo.resetCount + 1);
    });
  });

  describe('refuses, naming the reason', () => {
    it('a wrong nonce (nonce-mismatch)', async () => {
      const input = await genuine();
      expectRefused(verifyQuote({ ...input, nonce: nonce('another nonce') }), 'nonce-mismatch');
    });

    it('a changed PCR value (pcr-digest-mismatch)', async () => {
      const input = await genuine();
      const changed = new Map([[SHA256, new Map(input.pcrValues.get(SHA256))]]);
      changed.get(SHA256)!.set(7, hash(SHA256, Buffer.from('insecure boot')));
      expectRefused(verifyQuote({ ...input, pcrValues: changed }), 'pcr-digest-mismatch');
    });

    it('changed attest bytes (signature-invalid)', async () => {
      const input = await genuine();
      const attest = Buffer.from(input.attest);
      attest[attest.length - 40]! ^= 0x01; // inside pcrDigest
      expectRefused(verifyQuote({ ...input, attest }), 'signature-invalid');
    });

    it('a signature by another key (signature-invalid)', async () => {
      const other = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES), TPM_RH.OWNER);
      try {
        const theirs = await genuine(SELECTION, other);
        const ours = await genuine();
        expectRefused(verifyQuote({ ...ours, signature: theirs.signature }), 'signature-invalid');
      } finally {
        await flush(f.client, other.handle);
      }
    });

    describe('an attestation forged through TPM2_Sign (a quote of PCR values the TPM does not have)', () => {
      /** A TPMS_ATTEST claiming `claimed` PCR values, answering the verifier's nonce. */
      function forgedQuote(n: Buffer, selection: PcrSelection[], claimed: PcrValues, signerName: Buffer): Buffer {
        const attest: Attest = {
          magic: TPM_GENERATED_VALUE,
          type: TPM_ST.ATTEST_QUOTE,
          qualifiedSigner: signerName,
          extraData: n,
          clockInfo: { clock: 123456n, resetCount: 0, restartCount: 0, safe: true },
          firmwareVersion: 0n,
          attested: { pcrSelect: selection, pcrDigest: pcrDigest(SHA256, selection, claimed) } as QuoteInfo,
        };
        return marshal(TPMS_ATTEST, attest);
      }
      const goodValues = (): PcrValues => new Map([[SHA256, new Map([0, 4, 7].map((p) => [p, hash(SHA256, Buffer.from(`golden ${p}`))]))]]);
      type Ticket = { tag: number; hierarchy: number; digest: Buffer };
      const NULL_TICKET: Ticket = { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) };

      it('signed by an unrestricted key: the TPM signs it, the verifier refuses the AK (ak-attributes)', async () => {
        const signer = await createPrimary(f.client, eccTemplate(UNRESTRICTED_SIGNING));
        try {
          const n = nonce('forged');
          const attest = forgedQuote(n, SELECTION, goodValues(), signer.name);
          const { signature } = await f.client.run(Sign, { handles: { keyHandle: signer.handle }, auth: PW, params: { digest: hash(SHA256, attest), inScheme: scheme(ECDSA), validation: NULL_TICKET } });
          const input: QuoteInput = { attest, signature: marshal(TPMT_SIGNATURE, signature), akPublic: signer.pub, nonce: n, pcrSelection: SELECTION, pcrValues: goodValues() };
          expectRefused(verifyQuote(input), 'ak-attributes');
        } finally {
          await flush(f.client, signer.handle);
        }
      });

      it('with a restricted key the TPM refuses to sign it, with or without a TPM2_Hash ticket', async () => {
        const attest = forgedQuote(nonce('forged'), SELECTION, goodValues(), ak.name);
        const digest = hash(SHA256, attest);
        const sign = (validation: Ticket) => f.client.run(Sign, { handles: { keyHandle: ak.handle }, auth: PW, params: { digest, inScheme: scheme(ECDSA), validation } });
        // the format-one error code, without the parameter number
        const rcOf = async (p: Promise<unknown>) => p.then(() => 0, (e) => (e instanceof TpmResponseError ? e.rc & 0x0bf : -1));
        expect(await rcOf(sign(NULL_TICKET))).to.equal(TPM_RC.TICKET);
        // TPM2_Hash gives no ticket for data that starts with TPM_GENERATED_VALUE
        const hashed = await f.client.run(Hash, { params: { data: attest, hashAlg: SHA256, hierarchy: TPM_RH.OWNER } });
        expect(hashed.validation.hierarchy).to.equal(TPM_RH.NULL);
        expect(await rcOf(sign(hashed.validation))).to.equal(TPM_RC.TICKET);
      });
    });

    it('a replayed older quote from the same AK (replayed-quote)', async () => {
      const older = await genuine(SELECTION, ak, 'older');
      const olderQuote = accepted(verifyQuote(older));
      await new Promise((r) => setTimeout(r, 5)); // let Clock advance
      const newer = accepted(verifyQuote(await genuine(SELECTION, ak, 'newer')));
      expect(newer.clockInfo.clock > olderQuote.clockInfo.clock).to.equal(true);
      expectRefused(verifyQuote(older, { lastQuote: newer }), 'replayed-quote');
    });

    it('a SHA-1 PCR bank unless allowSha1 (hash-not-allowed)', async () => {
      const input = await genuine([sel(SHA1, [0, 7])]);
      expectRefused(verifyQuote(input), 'hash-not-allowed');
      expect(verifyQuote(input, { allowedHashAlgs: [SHA1, SHA256] }).ok, 'listing SHA-1 is not enough').to.equal(false);
      expect(verifyQuote(input, { allowSha1: true }).ok).to.equal(true);
    });

    it('a SHA-1 signature unless allowSha1 (hash-not-allowed)', async () => {
      const sha1Ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES, scheme(ECDSA, SHA1)));
      try {
        const input = await genuine(SELECTION, sha1Ak, 'sha1 signature');
        expectRefused(verifyQuote(input), 'hash-not-allowed');
        expect(accepted(verifyQuote(input, { allowSha1: true })).hashAlg).to.equal(SHA1);
      } finally {
        await flush(f.client, sha1Ak.handle);
      }
    });

    it('a PCR selection other than the one asked for (pcr-selection-mismatch)', async () => {
      const input = await genuine([sel(SHA256, [0, 4])]);
      expectRefused(verifyQuote({ ...input, pcrSelection: SELECTION }), 'pcr-selection-mismatch');
    });

    it('an AK without the restricted attribute, even for a genuine TPM2_Quote (ak-attributes)', async () => {
      const unrestricted = await createPrimary(f.client, eccTemplate(UNRESTRICTED_SIGNING));
      try {
        const v = verifyQuote(await genuine(SELECTION, unrestricted, 'unrestricted'));
        expectRefused(v, 'ak-attributes');
        expect(v.ok || v.message).to.match(/lacks restricted/);
      } finally {
        await flush(f.client, unrestricted.handle);
      }
    });

    it('another attestation type signed by the AK, here TPM2_Certify (not-a-quote)', async () => {
      const n = nonce('certify');
      const r = await f.client.run(Certify, { handles: { objectHandle: ak.handle, signHandle: ak.handle }, auth: [...PW, ...PW], params: { qualifyingData: n, inScheme: scheme(NULL) } });
      const input: QuoteInput = { attest: r.certifyInfo, signature: marshal(TPMT_SIGNATURE, r.signature), akPublic: ak.pub, nonce: n, pcrSelection: SELECTION, pcrValues: new Map() };
      expectRefused(verifyQuote(input), 'not-a-quote');
    });

    it('a structure without TPM_GENERATED_VALUE signed by a software key that claims AK attributes (not-tpm-generated)', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const pub = { ...eccTemplate(AK_ATTRIBUTES), unique: { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') } };
      const attest = Buffer.concat([Buffer.from('00000000', 'hex'), Buffer.from('8018', 'hex'), Buffer.alloc(40)]);
      const p1363 = nodeSign('sha256', attest, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const signature = { sigAlg: ECDSA, signature: { hash: SHA256, signatureR: p1363.subarray(0, 32), signatureS: p1363.subarray(32) } };
      expectRefused(verifyQuote({ attest, signature, akPublic: pub, nonce: nonce('x'), pcrSelection: SELECTION, pcrValues: new Map() }), 'not-tpm-generated');
    });

    it('PCR values that do not cover the quoted selection (pcr-values-missing)', async () => {
      const input = await genuine();
      const partial = new Map([[SHA256, new Map([...input.pcrValues.get(SHA256)!].filter(([p]) => p !== 4))]]);
      expectRefused(verifyQuote({ ...input, pcrValues: partial }), 'pcr-values-missing');
    });

    it('bytes that are no signature or public area (malformed-evidence)', async () => {
      const input = await genuine();
      expectRefused(verifyQuote({ ...input, signature: Buffer.from('0018000b', 'hex') }), 'malformed-evidence');
      expectRefused(verifyQuote({ ...input, akPublic: Buffer.from('00230b', 'hex') }), 'malformed-evidence');
    });
  });
});
