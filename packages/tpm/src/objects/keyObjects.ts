import type { KeyObject } from 'node:crypto';
import { rsaPrivateKeyObject, rsaPublicKeyObject } from '../crypto/rsaKeys.js';
import type { TpmtPublic } from '../structures/public.js';
import type { TpmtSensitive } from '../structures/sensitive.js';

/** The key material of a loaded object: its public area and, unless loaded public-only, its sensitive area. */
export interface KeyMaterial {
  pub: TpmtPublic;
  sensitive: TpmtSensitive;
}

// Rebuilding an RSA private key from (n, e, p) costs a modular inverse: keep one per loaded key.
const publicKeys = new WeakMap<object, KeyObject>();
const privateKeys = new WeakMap<object, KeyObject>();

export function rsaPublicKeyOf(pub: TpmtPublic): KeyObject {
  let k = publicKeys.get(pub.unique);
  if (!k) publicKeys.set(pub.unique, (k = rsaPublicKeyObject(pub.unique as Buffer, pub.parameters.exponent)));
  return k;
}

export function rsaPrivateKeyOf({ pub, sensitive }: KeyMaterial): KeyObject {
  let k = privateKeys.get(sensitive.sensitive);
  if (!k) privateKeys.set(sensitive.sensitive, (k = rsaPrivateKeyObject(pub.unique as Buffer, pub.parameters.exponent, sensitive.sensitive)));
  return k;
}

/** Modulus length in octets: the size of every RSA signature and ciphertext of this key. */
export function modulusBytes(pub: TpmtPublic): number {
  return (pub.unique as Buffer).length;
}

/** True when the object was loaded without its private part (LoadExternal of a public area). */
export function isPublicOnly(key: KeyMaterial): boolean {
  return key.sensitive.sensitive.length === 0;
}
