import { loadPageCipherAddon } from '../memory/nativePageCrypto.js';

/**
 * AES-256-GCM on one message through the native addon, writing into the caller's buffer (in
 * place when dst is src). node:crypto allocates a new output buffer on every update(): for a
 * stream of 256 KiB records that allocation, its page faults and its garbage cost about as much
 * as the cipher itself. Same bytes as node:crypto's aes-256-gcm with the same key, IV and AAD.
 */
export interface AesGcmInPlace {
  /** Encrypts `src` into `dst` (as long as src; may be src) and writes the 16-byte tag into `tag`. */
  seal(key: Buffer, iv: Buffer, aad: Buffer, src: Buffer, dst: Buffer, tag: Buffer): void;
  /** Decrypts `src` into `dst` (may be src) if `tag` verifies and returns true; otherwise zeroes `dst` and returns false. */
  open(key: Buffer, iv: Buffer, aad: Buffer, src: Buffer, dst: Buffer, tag: Buffer): boolean;
}

/** The addon's AES-GCM, or undefined without the addon (or with one built before aesGcm existed, or VTPM_PAGE_CRYPTO=node: no addon at all). */
export function nativeAesGcm(): AesGcmInPlace | undefined {
  if (process.env.VTPM_PAGE_CRYPTO === 'node') return undefined;
  const aesGcm = loadPageCipherAddon()?.aesGcm;
  if (!aesGcm) return undefined;
  return {
    seal: (key, iv, aad, src, dst, tag) => {
      aesGcm(true, key, iv, aad, src, dst, tag);
    },
    open: (key, iv, aad, src, dst, tag) => aesGcm(false, key, iv, aad, src, dst, tag),
  };
}
