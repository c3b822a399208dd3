import { p256 } from '@noble/curves/nist.js';
import { Tag } from 'cbor-x';
import { decodeCbor, encodeCbor } from '../cbor.js';
import { refuse } from '../refusal.js';

/** COSE (RFC 9052) constants used here: the alg header, ES256, the COSE_Sign1 tag. */
export const COSE_HEADER_ALG = 1;
export const COSE_ALG_ES256 = -7;
export const COSE_SIGN1_TAG = 18;
const ES256_SIGNATURE_SIZE = 64;

/** The protected header of every result: { 1: -7 } (alg ES256), as a bstr-wrapped map. */
export const ES256_PROTECTED_HEADER = encodeCbor(new Map([[COSE_HEADER_ALG, COSE_ALG_ES256]]));

/** Sig_structure for COSE_Sign1 (RFC 9052, 4.4): ["Signature1", protected, external_aad = h'', payload]. */
export function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Buffer {
  return encodeCbor(['Signature1', Buffer.from(protectedHeader), Buffer.alloc(0), Buffer.from(payload)]);
}

/** Tagged COSE_Sign1 with ES256: ECDSA P-256 over SHA-256 of the Sig_structure, r || s (64 octets). */
export function signCoseSign1(payload: Uint8Array, privateKey: Uint8Array): Buffer {
  const signature = p256.sign(sigStructure(ES256_PROTECTED_HEADER, payload), privateKey, { prehash: true });
  return encodeCbor(new Tag([ES256_PROTECTED_HEADER, new Map(), Buffer.from(payload), Buffer.from(signature)], COSE_SIGN1_TAG));
}

function invalid(detail: string): never {
  return refuse('result-signature-invalid', detail);
}

/** The payload of a COSE_Sign1 (tagged or not) whose ES256 signature verifies with `publicKey`. */
export function openCoseSign1(bytes: Uint8Array, publicKey: Uint8Array): Buffer {
  let item: unknown;
  try {
    item = decodeCbor(bytes, 'the COSE_Sign1');
  } catch (e) {
    return invalid(e instanceof Error ? e.message : String(e));
  }
  if (item instanceof Tag) {
    if (item.tag !== COSE_SIGN1_TAG) invalid(`CBOR tag ${item.tag}, not COSE_Sign1 (18)`);
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) invalid('not a COSE_Sign1 array [protected, unprotected, payload, signature]');
  const [protectedHeader, unprotected, payload, signature] = item as unknown[];
  if (!(protectedHeader instanceof Uint8Array) || !(unprotected instanceof Map) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    invalid('COSE_Sign1 members have the wrong types (or a detached payload)');
  }
  const header = protectedHeader.length ? decodeCbor(protectedHeader, 'the protected header') : new Map();
  if (!(header instanceof Map) || header.get(COSE_HEADER_ALG) !== COSE_ALG_ES256) invalid('the protected header does not say alg ES256 (-7)');
  if (unprotected.has(COSE_HEADER_ALG)) invalid('alg must be protected, not in the unprotected header');
  if (signature.length !== ES256_SIGNATURE_SIZE) invalid(`ES256 signature is ${signature.length} octets, not ${ES256_SIGNATURE_SIZE}`);
  let valid = false;
  try {
    valid = p256.verify(signature, sigStructure(protectedHeader, payload), publicKey, { prehash: true, lowS: false });
  } catch {
    valid = false;
  }
  if (!valid) invalid('the ES256 signature does not verify with the verifier public key: the result was changed or another key signed it');
  return Buffer.from(payload);
}
