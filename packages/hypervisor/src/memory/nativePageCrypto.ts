import { createRequire } from 'node:module';
import type { PageCryptoBackend } from './pageCryptoBackend.js';

export interface PageCipherAddon {
  xts(encrypt: boolean, key: Buffer, firstPage: number, src: Buffer, dst: Buffer): void;
  gcm(encrypt: boolean, key: Buffer, nonces: Buffer, src: Buffer, dst: Buffer, tags: Buffer): number;
  /** One AES-256-GCM message (see src/crypto/nativeAesGcm.ts); absent from an addon built before it existed. */
  aesGcm?(encrypt: boolean, key: Buffer, iv: Buffer, aad: Buffer, src: Buffer, dst: Buffer, tag: Buffer): boolean;
}

/** native/build/pageCipher.node, built by `node packages/hypervisor/native/build.mjs` (the package's install script). */
const ADDON_PATH = new URL('../../../native/build/pageCipher.node', import.meta.url).pathname;

let loaded: PageCipherAddon | null | undefined;

/** The OpenSSL EVP addon (loaded once), or undefined when it was not built (no compiler or Node headers). */
export function loadPageCipherAddon(): PageCipherAddon | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(ADDON_PATH) as PageCipherAddon;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** Page crypto through the addon, or undefined without it. */
export function loadNativePageCrypto(): PageCryptoBackend | undefined {
  const addon = loadPageCipherAddon();
  if (!addon) return undefined;
  return {
    name: 'native',
    xts: (encrypt, key, firstPage, src, dst) => addon.xts(encrypt, key, firstPage, src, dst),
    gcm: (encrypt, key, nonces, src, dst, tags) => addon.gcm(encrypt, key, nonces, src, dst, tags),
  };
}
