import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { TPML_DIGEST, TPML_PCR_SELECTION, TPM2B_PUBLIC, marshal, u32, Writer, unmarshal, type TpmtPublic } from '@vtpm/tpm';
import { encodeCbor } from '../src/cbor.js';
import {
  EVIDENCE_KEYS, decodeEvidence, encodeEvidence, evidenceFromTpm2Tools, evidenceFromTpmClient, parseTpm2ToolsPcrs, verifyQuote,
  type Evidence, type Verdict,
} from '../src/index.js';
import { AK_ATTRIBUTES, SHA256, createPrimary, eccTemplate, measure, quote, readPcrs, sel, startedTpm } from './tpmFixture.js';

const data = (name: string) => readFileSync(new URL(`../../test/data/tpm2tools/${name}`, import.meta.url));
const NONCE = Buffer.from('nonce-for-test');

function expectRefused(v: Verdict<unknown>, reason: string, pattern?: RegExp): void {
  expect(v.ok, v.ok ? 'accepted' : v.message).to.equal(false);
  if (!v.ok) {
    expect(v.reason).to.equal(reason);
    if (pattern) expect(v.message).to.match(pattern);
  }
}

function value<T>(v: Verdict<T>): T {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

describe('evidence', function () {
  this.timeout(20000);

  describe('tpm2-tools quote files (recorded from swtpm)', () => {
    it('the serialized PCR file: selection and values, across two TPML_DIGEST (11 PCRs)', () => {
      const { pcrSelection, pcrValues } = parseTpm2ToolsPcrs(data('rsa.pcrs'));
      expect(pcrSelection).to.have.length(1);
      expect([...pcrValues.get(SHA256)!.keys()]).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(pcrValues.get(SHA256)!.get(1)).to.deep.equal(Buffer.alloc(32));
      expect(pcrValues.get(SHA256)!.get(0)).not.to.deep.equal(Buffer.alloc(32));
    });

    it('the values format gives the same values, with the selection taken from the quote', () => {
      const serialized = parseTpm2ToolsPcrs(data('ecc.pcrs'));
      const evidence = value(evidenceFromTpm2Tools({ message: data('ecc-values.msg'), signature: data('ecc-values.sig'), pcrs: data('ecc-values.pcrs'), pcrsFormat: 'values', akPublic: data('ecc-ak.tpmt'), nonce: NONCE }));
      expect(evidence.pcrValues).to.deep.equal(serialized.pcrValues);
    });

    it('the marshaled format (tpm2-tools 5.5+) reads like the serialized one', () => {
      const { pcrSelection, pcrValues } = parseTpm2ToolsPcrs(data('rsa.pcrs'));
      const digests = [...pcrValues.get(SHA256)!.values()];
      const w = new Writer();
      TPML_PCR_SELECTION.write(w, pcrSelection);
      u32.write(w, 2);
      TPML_DIGEST.write(w, digests.slice(0, 8));
      TPML_DIGEST.write(w, digests.slice(8));
      expect(parseTpm2ToolsPcrs(w.finish(), 'marshaled')).to.deep.equal({ pcrSelection, pcrValues });
    });

    for (const [kind, ak] of [['ecc', 'ecc-ak.tpmt'], ['rsa', 'rsa-ak.pub']] as const) {
      it(`a ${kind.toUpperCase()} AK's quote (AK as ${ak.endsWith('tpmt') ? 'TPMT_PUBLIC' : 'TPM2B_PUBLIC'}) converts to evidence that verifyQuote accepts`, () => {
        const evidence = value(evidenceFromTpm2Tools({ message: data(`${kind}.msg`), signature: data(`${kind}.sig`), pcrs: data(`${kind}.pcrs`), akPublic: data(ak), nonce: NONCE }));
        const verified = value(verifyQuote({ attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: NONCE, pcrSelection: evidence.pcrSelection, pcrValues: evidence.pcrValues }));
        expect(verified.hashAlg).to.equal(SHA256);
        expectRefused(verifyQuote({ attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: Buffer.from('other'), pcrSelection: evidence.pcrSelection, pcrValues: evidence.pcrValues }), 'nonce-mismatch');
      });
    }

    it('refuses a truncated PCR file (malformed-evidence)', () => {
      const truncated = evidenceFromTpm2Tools({ message: data('ecc.msg'), signature: data('ecc.sig'), pcrs: data('ecc.pcrs').subarray(0, 600), akPublic: data('ecc-ak.tpmt'), nonce: NONCE });
      expectRefused(truncated, 'malformed-evidence', /tpm2-tools PCR file/);
    });
  });

  describe('the CBOR bundle', () => {
    let evidence: Evidence;
    before(() => {
      evidence = value(evidenceFromTpm2Tools({ message: data('rsa.msg'), signature: data('rsa.sig'), pcrs: data('rsa.pcrs'), akPublic: data('rsa-ak.pub'), nonce: NONCE }));
    });

    it('round-trips every field, optional ones included; the AK is kept as TPM2B_PUBLIC octets', () => {
      const full: Evidence = { ...evidence, eventLog: Buffer.from('log'), akCertChain: [Buffer.from('ak cert')], ekCertChain: [Buffer.from('ek'), Buffer.from('ca')] };
      expect(value(decodeEvidence(encodeEvidence(full)))).to.deep.equal(full);
      const fromTpmt = value(evidenceFromTpm2Tools({ message: data('ecc.msg'), signature: data('ecc.sig'), pcrs: data('ecc.pcrs'), akPublic: data('ecc-ak.tpmt'), nonce: NONCE }));
      expect(unmarshal(TPM2B_PUBLIC, fromTpmt.akPublic)).to.be.an('object');
    });

    const mutate = (change: (m: Map<number, unknown>) => void) => {
      const m = new Map<number, unknown>([
        [EVIDENCE_KEYS.version, 1],
        [EVIDENCE_KEYS.quote, evidence.quote],
        [EVIDENCE_KEYS.signature, evidence.signature],
        [EVIDENCE_KEYS.pcrSelection, marshal(TPML_PCR_SELECTION, evidence.pcrSelection)],
        [EVIDENCE_KEYS.pcrValues, evidence.pcrValues],
        [EVIDENCE_KEYS.akPublic, evidence.akPublic],
        [EVIDENCE_KEYS.nonce, evidence.nonce],
      ]);
      change(m);
      return decodeEvidence(encodeCbor(m));
    };

    it('decodes a hand-built map (the documented layout)', () => {
      expect(value(mutate(() => {}))).to.deep.equal(evidence);
    });

    it('refuses an unknown key, another version, a missing field, wrong types (malformed-evidence)', () => {
      expectRefused(mutate((m) => m.set(42, 1)), 'malformed-evidence', /unknown key 42/);
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.version, 2)), 'malformed-evidence', /version 2/);
      expectRefused(mutate((m) => m.delete(EVIDENCE_KEYS.nonce)), 'malformed-evidence', /lacks nonce/);
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.quote, 'text')), 'malformed-evidence', /quote is not a byte string/);
    });

    it('refuses TPM structures that do not parse and PCR values of the wrong size (malformed-evidence)', () => {
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.signature, Buffer.from('0014'))), 'malformed-evidence', /signature/);
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.akPublic, Buffer.from('0000', 'hex'))), 'malformed-evidence', /akPublic/);
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.pcrValues, new Map([[SHA256, new Map([[0, Buffer.alloc(20)]])]]))), 'malformed-evidence', /32-octet/);
      expectRefused(mutate((m) => m.set(EVIDENCE_KEYS.pcrValues, new Map([[0x99, new Map()]]))), 'malformed-evidence', /bank 153/);
    });

    it('refuses bytes that are not exactly one CBOR item (malformed-evidence)', () => {
      expectRefused(decodeEvidence(Buffer.from('not cbor at all')), 'malformed-evidence');
      expectRefused(decodeEvidence(Buffer.concat([encodeEvidence(evidence), Buffer.from([0])])), 'malformed-evidence', /one well-formed CBOR item/);
    });
  });

  it('converts our client’s Quote and PCR_Read responses into evidence that verifies', async () => {
    const f = await startedTpm('client evidence');
    await measure(f.client, 7, 'policy');
    const ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
    const selection = [sel(SHA256, [0, 7])];
    const q = await quote(f.client, ak.handle, NONCE, selection);
    const { PCR_Read } = await import('@vtpm/tpm');
    const read = await f.client.run(PCR_Read, { params: { pcrSelectionIn: selection } });
    const evidence = value(evidenceFromTpmClient({ quote: q, pcrs: read, akPublic: ak.pub as TpmtPublic, nonce: NONCE }));
    expect(evidence.pcrValues).to.deep.equal(await readPcrs(f.client, selection));
    expect(verifyQuote({ attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: NONCE, pcrSelection: selection, pcrValues: evidence.pcrValues }).ok).to.equal(true);
  });
});
