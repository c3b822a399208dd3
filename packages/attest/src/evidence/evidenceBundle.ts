import { TPM2B_PUBLIC, TPML_PCR_SELECTION, TPMT_SIGNATURE, algName, digestSize, isHashAlgorithm, marshal, type PcrSelection } from '@vtpm/tpm';
import { CborMap, decodeCbor, encodeCbor } from '../cbor.js';
import { judge, refuse, type Verdict } from '../refusal.js';
import type { PcrValues } from '../quote/pcrValues.js';
import { readPublicArea, type PublicAreaInput } from '../quote/publicArea.js';
import { parseTpmBytes } from '../quote/tpmBytes.js';

/**
 * Evidence (RFC 9334) from a TPM-based attester, as one CBOR map. Integer keys; documented in
 * docs/attest.md. The TPM structures travel in their TPM wire format so that nothing between
 * the TPM and the verifier re-encodes what was signed.
 */
export const EVIDENCE_KEYS = {
  version: 0,
  /** TPMS_ATTEST octets (what the AK signed). */
  quote: 1,
  /** TPMT_SIGNATURE octets. */
  signature: 2,
  /** TPML_PCR_SELECTION octets: the PCRs the values below are for. */
  pcrSelection: 3,
  /** { bank TPM_ALG_ID => { PCR index => value } }. */
  pcrValues: 4,
  /** TPM2B_PUBLIC octets of the AK. */
  akPublic: 5,
  /** The nonce the attester put into the quote (qualifyingData). */
  nonce: 6,
  /** TCG PC Client crypto-agile event log octets, as firmware and the OS left them. */
  eventLog: 7,
  /** AK certificate chain, DER, leaf first. */
  akCertChain: 8,
  /** EK certificate chain, DER, leaf first. */
  ekCertChain: 9,
} as const;
export const EVIDENCE_VERSION = 1;

export interface Evidence {
  quote: Buffer;
  signature: Buffer;
  pcrSelection: PcrSelection[];
  pcrValues: PcrValues;
  /** TPM2B_PUBLIC octets. */
  akPublic: Buffer;
  nonce: Buffer;
  eventLog?: Buffer;
  akCertChain?: Buffer[];
  ekCertChain?: Buffer[];
}

/** Evidence as producers hold it: the AK public area in any form. */
export type EvidenceInput = Omit<Evidence, 'akPublic'> & { akPublic: PublicAreaInput };

const K = EVIDENCE_KEYS;

function encodePcrValues(values: PcrValues): Map<number, Map<number, Buffer>> {
  return new Map([...values].map(([bank, pcrs]) => [bank, new Map([...pcrs].sort(([a], [b]) => a - b))]));
}

/** Encodes evidence; the AK public area is normalised to TPM2B_PUBLIC octets. */
export function encodeEvidence(e: EvidenceInput): Buffer {
  const m = new Map<number, unknown>([
    [K.version, EVIDENCE_VERSION],
    [K.quote, Buffer.from(e.quote)],
    [K.signature, Buffer.from(e.signature)],
    [K.pcrSelection, marshal(TPML_PCR_SELECTION, e.pcrSelection)],
    [K.pcrValues, encodePcrValues(e.pcrValues)],
    [K.akPublic, marshal(TPM2B_PUBLIC, readPublicArea(e.akPublic, 'the AK public area'))],
    [K.nonce, Buffer.from(e.nonce)],
  ]);
  if (e.eventLog) m.set(K.eventLog, Buffer.from(e.eventLog));
  if (e.akCertChain) m.set(K.akCertChain, e.akCertChain.map((c) => Buffer.from(c)));
  if (e.ekCertChain) m.set(K.ekCertChain, e.ekCertChain.map((c) => Buffer.from(c)));
  return encodeCbor(m);
}

function decodePcrValues(map: CborMap): PcrValues {
  const out = new Map<number, Map<number, Buffer>>();
  for (const [bank, pcrs] of map.entries()) {
    if (typeof bank !== 'number' || !isHashAlgorithm(bank)) refuse('malformed-evidence', `pcrValues: bank ${String(bank)} is not a hash algorithm this verifier implements`);
    const values = new Map<number, Buffer>();
    for (const [pcr, value] of CborMap.from(pcrs, `pcrValues[${algName(bank)}]`).entries()) {
      if (typeof pcr !== 'number' || !Number.isInteger(pcr) || pcr < 0 || pcr > 31) refuse('malformed-evidence', `pcrValues[${algName(bank)}]: ${String(pcr)} is not a PCR index`);
      if (!(value instanceof Uint8Array) || value.length !== digestSize(bank)) refuse('malformed-evidence', `pcrValues[${algName(bank)}][${pcr}] is not a ${digestSize(bank)}-octet digest`);
      values.set(pcr, Buffer.from(value));
    }
    out.set(bank, values);
  }
  return out;
}

/**
 * Decodes and validates evidence: known keys only, version 1, every field of its type, the TPM
 * structures parse (PCR selection, signature, AK public area) and PCR values have their bank's
 * digest size. The quote itself is judged by verifyQuote, which names what is wrong with it.
 */
export function decodeEvidence(bytes: Uint8Array): Verdict<Evidence> {
  return judge(() => {
    const m = CborMap.from(decodeCbor(bytes, 'the evidence'), 'evidence').onlyKeys(Object.values(K));
    const version = m.uint(K.version, 'version');
    if (version !== EVIDENCE_VERSION) refuse('malformed-evidence', `evidence version ${version}; this verifier reads version ${EVIDENCE_VERSION}`);
    const signature = m.bytes(K.signature, 'signature');
    parseTpmBytes(TPMT_SIGNATURE, signature, 'evidence signature');
    const akPublic = m.bytes(K.akPublic, 'akPublic');
    parseTpmBytes(TPM2B_PUBLIC, akPublic, 'evidence akPublic');
    const evidence: Evidence = {
      quote: m.bytes(K.quote, 'quote'),
      signature,
      pcrSelection: parseTpmBytes(TPML_PCR_SELECTION, m.bytes(K.pcrSelection, 'pcrSelection'), 'evidence pcrSelection'),
      pcrValues: decodePcrValues(m.child(K.pcrValues, 'pcrValues')),
      akPublic,
      nonce: m.bytes(K.nonce, 'nonce'),
    };
    const eventLog = m.optionalBytes(K.eventLog, 'eventLog');
    const akCertChain = m.byteList(K.akCertChain, 'akCertChain');
    const ekCertChain = m.byteList(K.ekCertChain, 'ekCertChain');
    if (eventLog) evidence.eventLog = eventLog;
    if (akCertChain) evidence.akCertChain = akCertChain;
    if (ekCertChain) evidence.ekCertChain = ekCertChain;
    return evidence;
  });
}
