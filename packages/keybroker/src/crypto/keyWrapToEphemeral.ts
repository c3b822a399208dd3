import { hkdfSync } from 'node:crypto';
import { aesKeyUnwrap, aesKeyWrap } from './aesKeyWrap.js';
import { ecdhSharedSecret, generateEphemeralKey } from './ephemeralKey.js';

export const KEY_WRAP_ALGORITHM = 'ECDH-ES+HKDF-SHA256+A256KW';

/** A VM key wrapped to a host's ephemeral P-256 key: only the holder of that key's scalar can unwrap it. */
export interface WrappedKey {
  alg: typeof KEY_WRAP_ALGORITHM;
  /** The broker's ephemeral public key (SEC1 uncompressed), used once. */
  epk: Buffer;
  /** RFC 3394 AES-256 key wrap of the VM key. */
  ciphertext: Buffer;
}

/** What the wrapping key is bound to, so a wrapped key cannot be replayed into another context. */
export interface WrapContext {
  vmId: string;
  keyVersion: number;
  /** The challenge nonce the release answered. */
  nonce: Uint8Array;
  hostPublicKey: Uint8Array;
}

function kekFor(z: Buffer, epk: Uint8Array, ctx: WrapContext): Buffer {
  const info = Buffer.concat([
    Buffer.from(`vtpm-keybroker ${KEY_WRAP_ALGORITHM}\0${ctx.vmId}\0${ctx.keyVersion}\0`),
    Buffer.from(ctx.hostPublicKey),
    Buffer.from(epk),
  ]);
  return Buffer.from(hkdfSync('sha256', z, ctx.nonce, info, 32));
}

/** ECDH-ES: a fresh broker key pair, Z with the host's key, HKDF-SHA256 to a KEK, AES-256 key wrap. */
export function wrapToEphemeralKey(key: Uint8Array, ctx: WrapContext): WrappedKey {
  const mine = generateEphemeralKey();
  const z = ecdhSharedSecret(mine.privateKey, ctx.hostPublicKey);
  const kek = kekFor(z, mine.publicKey, ctx);
  try {
    return { alg: KEY_WRAP_ALGORITHM, epk: mine.publicKey, ciphertext: aesKeyWrap(kek, key) };
  } finally {
    z.fill(0);
    kek.fill(0);
    mine.privateKey.fill(0);
  }
}

/** The host's side: recomputes the KEK with its ephemeral scalar and unwraps. */
export function unwrapWithEphemeralKey(wrapped: WrappedKey, hostPrivateKey: Uint8Array, ctx: WrapContext): Buffer {
  if (wrapped.alg !== KEY_WRAP_ALGORITHM) throw new Error(`unknown key wrap algorithm ${String(wrapped.alg)}`);
  const z = ecdhSharedSecret(hostPrivateKey, wrapped.epk);
  const kek = kekFor(z, wrapped.epk, ctx);
  try {
    return aesKeyUnwrap(kek, wrapped.ciphertext);
  } finally {
    z.fill(0);
    kek.fill(0);
  }
}
