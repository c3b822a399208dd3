import { expect } from 'chai';
import { TPM2B_PUBLIC, TPMT_SIGNATURE, hash, marshal, objectName, pcrBitmap, type EccPoint, type PcrSelection, type TpmtPublic } from '@vtpm/tpm';
import { verifyQuote, type QuoteInput, type Verdict, type VerifiedQuote } from '../src/index.js';
import { akFromInput } from '../src/quote/akCache.js';
import { AK_ATTRIBUTES, SHA256, createPrimary, eccTemplate, measure, quote, readPcrs, rsaTemplate, sel, startedTpm, type Fixture } from './tpmFixture.js';

/*
 * verifyQuote keeps parsed AKs (public area, Name, imported key) by their octets. Whatever it keeps
 * must never make a verdict differ from a fresh verification.
 */

function accepted(v: Verdict<VerifiedQuote>): VerifiedQuote {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

function refusedWith(v: Verdict<unknown>): string {
  expect(v.ok, 'accepted').to.equal(false);
  return v.ok ? '' : v.reason;
}

describe('verifyQuote with cached AKs', function () {
  this.timeout(30000);
  let f: Fixture;
  let ecc: { handle: number; pub: TpmtPublic; name: Buffer };
  let rsa: { handle: number; pub: TpmtPublic; name: Buffer };
  const SELECTION = [sel(SHA256, [0, 4, 7])];

  async function genuine(ak: typeof ecc, label: string, selection: PcrSelection[] = SELECTION): Promise<QuoteInput> {
    const nonce = hash(SHA256, Buffer.from(label));
    const q = await quote(f.client, ak.handle, nonce, selection);
    return { attest: q.quoted, signature: marshal(TPMT_SIGNATURE, q.signature), akPublic: marshal(TPM2B_PUBLIC, ak.pub), nonce, pcrSelection: selection, pcrValues: await readPcrs(f.client, selection) };
  }

  before(async () => {
    f = await startedTpm('verifyQuote cache tests');
    await measure(f.client, 0, 'firmware');
    await measure(f.client, 7, 'secure boot policy');
    ecc = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
    rsa = await createPrimary(f.client, rsaTemplate(AK_ATTRIBUTES));
  });

  it('the same AK octets again: the same verdict; the Name returned is the caller’s own copy', async () => {
    const input = await genuine(ecc, 'again');
    const first = accepted(verifyQuote(input));
    first.akName.fill(0);
    const second = accepted(verifyQuote({ ...input, akPublic: Buffer.from(input.akPublic as Buffer) }));
    expect(second.akName).to.deep.equal(ecc.name);
    expect(second.akName).to.not.equal(first.akName);
  });

  it('an AK buffer rewritten in place holds another AK: its octets, not the buffer, decide', async () => {
    const input = await genuine(ecc, 'rewritten');
    const akBytes = Buffer.from(input.akPublic as Buffer);
    accepted(verifyQuote({ ...input, akPublic: akBytes }));
    // another P-256 AK (other template entropy: another key, a public area of the same size), written into the very same buffer
    const other = await createPrimary(f.client, { ...eccTemplate(AK_ATTRIBUTES), unique: { x: Buffer.from('another AK'), y: Buffer.alloc(0) } });
    const otherBytes = marshal(TPM2B_PUBLIC, other.pub);
    expect(otherBytes.length).to.equal(akBytes.length);
    expect(otherBytes.equals(akBytes)).to.equal(false);
    const reused = Buffer.from(akBytes);
    accepted(verifyQuote({ ...input, akPublic: reused }));
    otherBytes.copy(reused);
    expect(refusedWith(verifyQuote({ ...input, akPublic: reused }))).to.equal('signature-invalid');
    const fromOther = await genuine(other, 'other AK');
    expect(accepted(verifyQuote({ ...fromOther, akPublic: reused })).akName).to.deep.equal(other.name);
  });

  it('a public area that does not parse, or whose point is off the curve, is refused every time (nothing is kept)', async () => {
    const input = await genuine(ecc, 'bad keys');
    for (let i = 0; i < 2; i++) expect(refusedWith(verifyQuote({ ...input, akPublic: Buffer.from('00230b', 'hex') }))).to.equal('malformed-evidence');
    const point = ecc.pub.unique as EccPoint;
    const y = Buffer.from(point.y);
    y[y.length - 1]! ^= 1;
    const offCurve = marshal(TPM2B_PUBLIC, { ...ecc.pub, unique: { x: point.x, y } });
    for (let i = 0; i < 2; i++) expect(refusedWith(verifyQuote({ ...input, akPublic: offCurve }))).to.equal('malformed-evidence');
    accepted(verifyQuote(input));
  });

  it('RSA and ECC AKs side by side, the AK parsed or as octets', async () => {
    const fromRsa = await genuine(rsa, 'rsa');
    const fromEcc = await genuine(ecc, 'ecc');
    for (let i = 0; i < 3; i++) {
      expect(accepted(verifyQuote(fromRsa)).akName).to.deep.equal(rsa.name);
      expect(accepted(verifyQuote(fromEcc)).akName).to.deep.equal(ecc.name);
      expect(accepted(verifyQuote({ ...fromRsa, akPublic: rsa.pub })).akName).to.deep.equal(rsa.name);
      expect(refusedWith(verifyQuote({ ...fromRsa, akPublic: fromEcc.akPublic }))).to.equal('signature-scheme-not-allowed');
    }
  });

  it('keeps at most 1024 AKs: evicted ones are parsed again', async () => {
    const input = await genuine(ecc, 'eviction');
    accepted(verifyQuote(input));
    for (let i = 0; i < 1100; i++) {
      const pub = { ...ecc.pub, authPolicy: hash(SHA256, Buffer.from(`policy ${i}`)) };
      const entry = akFromInput(marshal(TPM2B_PUBLIC, pub), 'test AK');
      expect(entry.name).to.deep.equal(objectName(pub));
    }
    expect(accepted(verifyQuote(input)).akName).to.deep.equal(ecc.name);
    expect(akFromInput(input.akPublic, 'again')).to.equal(akFromInput(input.akPublic, 'again'));
  });

  it('a requested selection listed differently but selecting the same PCRs is the same selection', async () => {
    const input = await genuine(ecc, 'selection');
    const longerBitmap = [{ hash: SHA256, pcrSelect: pcrBitmap([0, 4, 7], 4) }];
    const split = [sel(SHA256, [0, 4]), sel(SHA256, [7])];
    const withEmptyBank = [sel(SHA256, [0, 4, 7]), { hash: 0x000c, pcrSelect: pcrBitmap([]) }];
    for (const pcrSelection of [longerBitmap, split, withEmptyBank]) accepted(verifyQuote({ ...input, pcrSelection }));
    expect(refusedWith(verifyQuote({ ...input, pcrSelection: [sel(SHA256, [0, 4, 7, 8])] }))).to.equal('pcr-selection-mismatch');
    expect(refusedWith(verifyQuote({ ...input, pcrSelection: [{ hash: SHA256, pcrSelect: pcrBitmap([0, 4, 7, 30], 4) }] }))).to.equal('pcr-selection-mismatch');
  });
});
