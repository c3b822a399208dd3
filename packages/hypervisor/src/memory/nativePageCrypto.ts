import { createRequire } from 'node:module';
import type { PageCryptoBackend } from './pageCryptoBackend.js';

interface PageCipherAddon {
  xts(encrypt: boolean, key: Buffer, firstPage: number, src: Buffer, dst: Buffer): void;
  gcm(encrypt: boolean, key: Buffer, nonces: Buffer, src: Buffer, dst: Buffer, tags: Buffer): number;
}

/** native/build/pageCipher.node, built by `node packages/hypervisor/native/build.mjs` (the package's install script). */
const ADDON_PATH = new URL('../../../native/build/pageCipher.node', import.meta.url).pathname;

/** The OpenSSL EVP addon, or undefined when it was not built (no compiler or Node headers). */
export function loadNativePageCrypto(): PageCryptoBackend | undefined {
  let addon: PageCipherAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as PageCipherAddon;
  } catch {
    return undefined;
  }
  return {
    name: 'native',
    xts: (encrypt, key, firstPage, src, dst) => addon.xts(encrypt, key, firstPage, src, dst),
    gcm: (encrypt, key, nonces, src, dst, tags) => addon.gcm(encrypt, key, nonces, src, dst, tags),
  };
}
