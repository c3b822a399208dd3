import { loadNativePageCrypto } from './nativePageCrypto.js';
import { NodePageCrypto } from './nodePageCrypto.js';
import type { PageCryptoBackend } from './pageCryptoBackend.js';

let chosen: PageCryptoBackend | undefined;

/** The native addon when it loads, else node:crypto; VTPM_PAGE_CRYPTO=node forces the fallback. */
export function defaultPageCrypto(): PageCryptoBackend {
  chosen ??= (process.env.VTPM_PAGE_CRYPTO === 'node' ? undefined : loadNativePageCrypto()) ?? new NodePageCrypto();
  return chosen;
}
