import { createHash, createPublicKey, type JsonWebKey, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { pcrValuesFromDigests, type QuoteInput } from '@vtpm/attest';
import {
  InProcessTransport, marshal, PCR_Extend, PCR_Read, Quote, TPM_ALG, TPM_RH, TPM2B_PUBLIC, TPMT_SIGNATURE, TpmClient,
  type EccPoint, type SignatureEcc, type SignatureRsa, type TpmtPublic,
} from '@vtpm/tpm';
import { QUOTE_NONCE, QUOTE_PCRS } from './scenarios/quote.js';
import { startedTpm } from './tpmStartup.js';
import { createPrimary, PASSWORD } from './typedCommands.js';

/** A quote as evidence carries it, and the same signature in the form node:crypto verifies directly. */
export interface GenuineQuote {
  /** verifyQuote's input exactly as an appraisal gets it from evidence: octets, plus the PCR values. */
  input: QuoteInput;
  /** The signed octets (TPMS_ATTEST). */
  attest: Buffer;
  /** The signature as node:crypto takes it: r || s (P1363) for ECDSA, the RSASSA octets for RSA. */
  nodeSignature: Buffer;
  /** How to import the AK's public key (JWK) and the verify options for it. */
  jwk: JsonWebKey;
  verifyOptions(key: KeyObject): KeyObject | VerifyKeyObjectInput;
}

/** Extends the boot PCRs like a measured boot, so the quoted values are not all zero. */
async function measureBoot(client: TpmClient): Promise<void> {
  for (let pcr = 0; pcr < 8; pcr++) {
    const digest = createHash('sha256').update(`boot component ${pcr}`).digest();
    await client.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PASSWORD, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest }] } });
  }
}

function publicJwk(pub: TpmtPublic): JsonWebKey {
  if (pub.type === TPM_ALG.RSA) return { kty: 'RSA', n: (pub.unique as Buffer).toString('base64url'), e: 'AQAB' };
  const { x, y } = pub.unique as EccPoint;
  return { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') };
}

/** A quote by a fresh in-process vtpm with an AK from `template` (ECC P-256 or RSA-2048, SHA-256). */
export async function genuineQuote(template: TpmtPublic): Promise<GenuineQuote> {
  const client = new TpmClient(new InProcessTransport(await startedTpm()));
  await measureBoot(client);
  const ak = await createPrimary(client, template, TPM_RH.ENDORSEMENT);
  const q = await client.run(Quote, { handles: { signHandle: ak.handle }, auth: PASSWORD, params: { qualifyingData: QUOTE_NONCE, inScheme: { scheme: TPM_ALG.NULL, details: null }, PCRselect: QUOTE_PCRS } });
  const read = await client.run(PCR_Read, { params: { pcrSelectionIn: QUOTE_PCRS } });
  const input: QuoteInput = {
    attest: q.quoted,
    signature: marshal(TPMT_SIGNATURE, q.signature),
    akPublic: marshal(TPM2B_PUBLIC, ak.outPublic),
    nonce: QUOTE_NONCE,
    pcrSelection: QUOTE_PCRS,
    pcrValues: pcrValuesFromDigests(read.pcrSelectionOut, read.pcrValues),
  };
  const jwk = publicJwk(ak.outPublic);
  if (q.signature.sigAlg === TPM_ALG.ECDSA) {
    const { signatureR, signatureS } = q.signature.signature as SignatureEcc;
    const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(32 - b.length), b]);
    return { input, attest: q.quoted, nodeSignature: Buffer.concat([pad(signatureR), pad(signatureS)]), jwk, verifyOptions: (key) => ({ key, dsaEncoding: 'ieee-p1363' }) };
  }
  return { input, attest: q.quoted, nodeSignature: (q.signature.signature as SignatureRsa).sig, jwk, verifyOptions: (key) => key };
}

/** The AK's public key as node:crypto holds it. */
export function importedKey(quote: GenuineQuote): KeyObject {
  return createPublicKey({ key: quote.jwk, format: 'jwk' });
}
