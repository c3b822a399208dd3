/**
 * Encrypts and decrypts runs of 4 KiB pages, each page with its own tweak or nonce. Two
 * implementations compute the same bytes: a small OpenSSL EVP addon (one C loop per batch) and
 * node:crypto (one Cipheriv per page, which costs ~4 us each and caps throughput near 1 GB/s).
 */
export interface PageCryptoBackend {
  readonly name: 'native' | 'node:crypto';
  /** AES-256-XTS over `src` (whole pages); page i of the run uses tweak LE64(firstPage + i). */
  xts(encrypt: boolean, key: Buffer, firstPage: number, src: Buffer, dst: Buffer): void;
  /**
   * AES-256-GCM per page: IV and AAD are the page's 12 nonce bytes, tag 16 bytes per page.
   * Encrypt writes `tags`; decrypt checks them, zeroes pages that fail and returns the run index of
   * the first failing page, or -1.
   */
  gcm(encrypt: boolean, key: Buffer, nonces: Buffer, src: Buffer, dst: Buffer, tags: Buffer): number;
}
