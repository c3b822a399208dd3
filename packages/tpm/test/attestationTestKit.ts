import crypto, { type KeyObject } from 'node:crypto';
import {
  CreatePrimary, InProcessTransport, Startup, Tpm, TpmClient, TpmResponseError, TPM_ALG, TPM_RH, TPM_SU, TPMA_OBJECT,
  type ClientAuth, type Signature, type TpmtPublic,
} from '../src/index.js';

/**
 * Fixtures of the attestation and audit tests: a started TPM, primary signing keys made from
 * templates, and signature checks with node:crypto (OpenSSL) over the attestation octets.
 * Expected response codes were taken from swtpm 0.7.1 (libtpms 0.9.2) given the same commands;
 * test/interop/attestationCodes.test.ts replays such sequences against a live swtpm.
 */

export const { SHA1, SHA256, SHA384, SHA512, NULL, ECDSA, ECSCHNORR, ECDAA, RSASSA, RSAPSS, HMAC } = TPM_ALG;
export const { OWNER, ENDORSEMENT, PLATFORM } = TPM_RH;
export const RH_NULL: number = TPM_RH.NULL;
export const PW: ClientAuth = { password: '' };
const A = TPMA_OBJECT;
/** An attestation key: restricted signing, TPM-made, no dictionary-attack protection. */
export const AK_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign | A.noDA;
/** An ordinary (unrestricted) signing key. */
export const SIGN_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.sign | A.noDA;

export type Scheme = { scheme: number; details: { hashAlg: number; count?: number } | null };
export const scheme = (s: number, hashAlg: number = SHA256): Scheme => ({ scheme: s, details: s === NULL ? null : s === ECDAA ? { hashAlg, count: 0 } : { hashAlg } });

export interface Fixture {
  tpm: Tpm;
  client: TpmClient;
}

export async function started(seed = 'attestation'): Promise<Fixture> {
  const tpm = new Tpm({ seed: Buffer.from(seed) });
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return { tpm, client };
}

/** _TPM_Init then Startup: a TPM Reset (CLEAR without Shutdown(STATE)) or a Restart/Resume. */
export async function reboot(f: Fixture, startupType: number = TPM_SU.CLEAR): Promise<void> {
  f.tpm.init();
  await f.client.run(Startup, { params: { startupType } });
}

export function eccTemplate(attributes: number, sch: Scheme = scheme(ECDSA)): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: SHA256,
    objectAttributes: attributes,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: { algorithm: NULL }, scheme: sch, curveID: 3, kdf: scheme(NULL) },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  } as TpmtPublic;
}

export function rsaTemplate(attributes: number, sch: Scheme = scheme(RSASSA)): TpmtPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: SHA256,
    objectAttributes: attributes,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: { algorithm: NULL }, scheme: sch, keyBits: 2048, exponent: 0 },
    unique: Buffer.alloc(0),
  } as TpmtPublic;
}

export function hmacTemplate(attributes: number = SIGN_ATTRIBUTES): TpmtPublic {
  return { type: TPM_ALG.KEYEDHASH, nameAlg: SHA256, objectAttributes: attributes, authPolicy: Buffer.alloc(0), parameters: { scheme: scheme(HMAC) }, unique: Buffer.alloc(0) } as TpmtPublic;
}

export function aesTemplate(attributes: number): TpmtPublic {
  return {
    type: TPM_ALG.SYMCIPHER,
    nameAlg: SHA256,
    objectAttributes: attributes,
    authPolicy: Buffer.alloc(0),
    parameters: { sym: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } },
    unique: Buffer.alloc(0),
  } as TpmtPublic;
}

/** A primary key of a hierarchy, with its creation data (for CertifyCreation). */
export async function primary(client: TpmClient, hierarchy: number, template: TpmtPublic, outsideInfo = Buffer.alloc(0)) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo, creationPCR: [] },
    auth: [PW],
  });
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

/** The response code of a command that must fail (a success is reported as 0). */
export async function rcOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof TpmResponseError) return e.rc;
    throw e;
  }
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
