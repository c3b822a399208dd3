import crypto, { type KeyObject } from 'node:crypto';
import { TPM_ALG, TPM_RH, TPMA_OBJECT, type ClientAuth, type Signature, type TpmClient, type TpmtPublic } from '../src/index.js';
import { createPrimary, keyTemplate } from './kit/keys.js';
import { pw, startTpm, type StartedTpm } from './kit/startedTpm.js';

/**
 * Fixtures of the attestation and audit tests: a started TPM, primary signing keys made from
 * templates, and signature checks with node:crypto (OpenSSL) over the attestation octets.
 * Expected response codes were taken from swtpm 0.7.1 (libtpms 0.9.2) given the same commands;
 * test/interop/attestationCodes.test.ts replays such sequences against a live swtpm.
 */

export const { SHA1, SHA256, SHA384, SHA512, NULL, ECDSA, ECSCHNORR, ECDAA, RSASSA, RSAPSS, HMAC } = TPM_ALG;
export const { OWNER, ENDORSEMENT, PLATFORM } = TPM_RH;
export const RH_NULL: number = TPM_RH.NULL;
export const PW: ClientAuth = pw();
const A = TPMA_OBJECT;
/** An attestation key: restricted signing, TPM-made, no dictionary-attack protection. */
export const AK_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign | A.noDA;
/** An ordinary (unrestricted) signing key. */
export const SIGN_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.sign | A.noDA;

export type Scheme = { scheme: number; details: { hashAlg: number; count?: number } | null };
export const scheme = (s: number, hashAlg: number = SHA256): Scheme => ({ scheme: s, details: s === NULL ? null : s === ECDAA ? { hashAlg, count: 0 } : { hashAlg } });

export type Fixture = StartedTpm;

export const started = (seed = 'attestation'): Promise<Fixture> => startTpm(seed);

export function eccTemplate(attributes: number, sch: Scheme = scheme(ECDSA)): TpmtPublic {
  return keyTemplate(TPM_ALG.ECC, attributes, { symmetric: { algorithm: NULL }, scheme: sch, curveID: 3, kdf: scheme(NULL) }, { x: Buffer.alloc(0), y: Buffer.alloc(0) });
}

export function rsaTemplate(attributes: number, sch: Scheme = scheme(RSASSA)): TpmtPublic {
  return keyTemplate(TPM_ALG.RSA, attributes, { symmetric: { algorithm: NULL }, scheme: sch, keyBits: 2048, exponent: 0 }, Buffer.alloc(0));
}

export function hmacTemplate(attributes: number = SIGN_ATTRIBUTES): TpmtPublic {
  return keyTemplate(TPM_ALG.KEYEDHASH, attributes, { scheme: scheme(HMAC) }, Buffer.alloc(0));
}

export function aesTemplate(attributes: number): TpmtPublic {
  return keyTemplate(TPM_ALG.SYMCIPHER, attributes, { sym: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } }, Buffer.alloc(0));
}

/** A primary key of a hierarchy, with its creation data (for CertifyCreation). */
export function primary(client: TpmClient, hierarchy: number, template: TpmtPublic, outsideInfo = Buffer.alloc(0)) {
  return createPrimary(client, hierarchy, { template, outsideInfo });
}

/** The public key of a TPM key as node:crypto sees it. */
export function publicKeyOf(pub: TpmtPublic): KeyObject {
  const b64 = (b: Buffer) => b.toString('base64url');
  if (pub.type === TPM_ALG.ECC) {
    const q = pub.unique as { x: Buffer; y: Buffer };
    return crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(q.x), y: b64(q.y) }, format: 'jwk' });
  }
  return crypto.createPublicKey({ key: { kty: 'RSA', n: b64(pub.unique as Buffer), e: 'AQAB' }, format: 'jwk' });
}

/** Whether OpenSSL accepts `signature` (ECDSA, RSASSA or RSAPSS over SHA-256) as a signature of `data`. */
export function verifies(key: KeyObject, data: Buffer, signature: Signature): boolean {
  const body = signature.signature as { sig?: Buffer; signatureR?: Buffer; signatureS?: Buffer };
  if (signature.sigAlg === ECDSA) return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([body.signatureR!, body.signatureS!]));
  if (signature.sigAlg === RSAPSS) return crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, body.sig!);
  return crypto.verify('sha256', data, key, body.sig!);
}

export const sha256 = (...parts: Buffer[]): Buffer => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
