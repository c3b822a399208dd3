import type { KeyObject } from 'node:crypto';
import { FlushContext, hash, LoadExternal, TPMA_OBJECT, type TpmClient, type TpmtPublic } from '../src/index.js';

/** Shared by the crypto command tests: keys made by node:crypto, loaded with LoadExternal. */

export const NULL = 0x10;
export const SHA1 = 0x04, SHA256 = 0x0b, SHA384 = 0x0c, SHA512 = 0x0d;
export const RH_OWNER = 0x40000001, RH_NULL = 0x40000007;
export const A = TPMA_OBJECT;

export type Scheme = { scheme: number; details: any };
export const scheme = (s: number, hashAlg = SHA256): Scheme => ({ scheme: s, details: s === NULL ? null : s === 0x15 ? {} : s === 0x1a ? { hashAlg, count: 0 } : { hashAlg } });

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
const noSym = { algorithm: NULL };
const emptySecret = (type: number, sensitive: Buffer, seedValue = Buffer.alloc(0)) => ({ sensitiveType: type, authValue: Buffer.alloc(0), seedValue, sensitive });

export interface External {
  inPublic: TpmtPublic;
  inPrivate: ReturnType<typeof emptySecret> | null;
  hierarchy: number;
}

/** An RSA key for LoadExternal: with its prime when `key` is private (NULL hierarchy), public-only in `publicHierarchy` otherwise. */
export function rsaExternal(key: KeyObject, attrs = A.userWithAuth | A.sign | A.decrypt, sch = scheme(NULL), publicHierarchy = RH_OWNER): External {
  const j = key.export({ format: 'jwk' });
  const n = b64(j.n);
  const inPublic: TpmtPublic = { type: 0x01, nameAlg: SHA256, objectAttributes: attrs, authPolicy: Buffer.alloc(0), parameters: { symmetric: noSym, scheme: sch, keyBits: n.length * 8, exponent: 0 }, unique: n };
  return j.p ? { inPublic, inPrivate: emptySecret(0x01, b64(j.p)), hierarchy: RH_NULL } : { inPublic, inPrivate: null, hierarchy: publicHierarchy };
}

export const CURVES: Record<string, number> = { 'P-256': 3, 'P-384': 4, 'P-521': 5 };

export function eccExternal(key: KeyObject, attrs = A.userWithAuth | A.sign | A.decrypt, sch = scheme(NULL), publicHierarchy = RH_OWNER): External {
  const j = key.export({ format: 'jwk' });
  const inPublic: TpmtPublic = {
    type: 0x23,
    nameAlg: SHA256,
    objectAttributes: attrs,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: noSym, scheme: sch, curveID: CURVES[j.crv!]!, kdf: scheme(NULL) },
    unique: { x: b64(j.x), y: b64(j.y) },
  };
  return j.d ? { inPublic, inPrivate: emptySecret(0x23, b64(j.d)), hierarchy: RH_NULL } : { inPublic, inPrivate: null, hierarchy: publicHierarchy };
}

/** An HMAC key (sign-only keyed hash objects need the HMAC scheme; sign|decrypt ones have none). */
export function hmacExternal(secret: Buffer, attrs = A.userWithAuth | A.sign, sch = scheme(0x05)): External {
  const seed = Buffer.alloc(32, 7);
  const inPublic: TpmtPublic = { type: 0x08, nameAlg: SHA256, objectAttributes: attrs, authPolicy: Buffer.alloc(0), parameters: { scheme: sch }, unique: hash(SHA256, seed, secret) };
  return { inPublic, inPrivate: emptySecret(0x08, secret, seed), hierarchy: RH_NULL };
}

export function aesExternal(secret: Buffer, mode: number, attrs = A.userWithAuth | A.sign | A.decrypt): External {
  const seed = Buffer.alloc(32, 9);
  const inPublic: TpmtPublic = {
    type: 0x25,
    nameAlg: SHA256,
    objectAttributes: attrs,
    authPolicy: Buffer.alloc(0),
    parameters: { sym: { algorithm: 0x06, keyBits: secret.length * 8, mode } },
    unique: hash(SHA256, seed, secret),
  };
  return { inPublic, inPrivate: emptySecret(0x25, secret, seed), hierarchy: RH_NULL };
}

export async function loadExternal(client: TpmClient, ext: External): Promise<{ handle: number; name: Buffer }> {
  const r = await client.run(LoadExternal, { params: ext });
  return { handle: r.handle, name: r.name };
}

/** Loads `ext` for the length of `body`, then flushes it (a TPM has three object slots). */
export async function withExternalKey<T>(client: TpmClient, ext: External, body: (handle: number, name: Buffer) => Promise<T>): Promise<T> {
  const { handle, name } = await loadExternal(client, ext);
  try {
    return await body(handle, name);
  } finally {
    await client.run(FlushContext, { params: { flushHandle: handle } });
  }
}
