import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { PAGE_SIZE } from './pageGeometry.js';
import type { PageCryptoBackend } from './pageCryptoBackend.js';

/**
 * The portable backend. node's aes-256-xts treats all input of one Cipheriv as a single data unit
 * with one tweak (and refuses > 16 MiB), so per-page tweaks need one Cipheriv per page; the same
 * holds for GCM nonces. KeyObjects are cached because passing one is ~25% cheaper than raw key bytes.
 */
export class NodePageCrypto implements PageCryptoBackend {
  readonly name = 'node:crypto' as const;
  private readonly keys = new WeakMap<Buffer, KeyObject>();

  private keyObject(key: Buffer): KeyObject {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = createSecretKey(key)));
    return k;
  }

  xts(encrypt: boolean, key: Buffer, firstPage: number, src: Buffer, dst: Buffer): void {
    const k = this.keyObject(key);
    const tweak = Buffer.alloc(16);
    for (let off = 0, page = firstPage; off < src.length; off += PAGE_SIZE, page++) {
      tweak.writeBigUInt64LE(BigInt(page));
      const c = encrypt ? createCipheriv('aes-256-xts', k, tweak) : createDecipheriv('aes-256-xts', k, tweak);
      const out = c.update(src.subarray(off, off + PAGE_SIZE));
      out.copy(dst, off);
      out.fill(0); // may be plaintext
      c.final();
    }
  }

  gcm(encrypt: boolean, key: Buffer, nonces: Buffer, src: Buffer, dst: Buffer, tags: Buffer): number {
    const k = this.keyObject(key);
    let failed = -1;
    for (let i = 0; i * PAGE_SIZE < src.length; i++) {
      const nonce = nonces.subarray(12 * i, 12 * i + 12);
      const tag = tags.subarray(16 * i, 16 * i + 16);
      const page = src.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      if (encrypt) {
        const c = createCipheriv('aes-256-gcm', k, nonce).setAAD(nonce);
        c.update(page).copy(dst, i * PAGE_SIZE);
        c.final();
        c.getAuthTag().copy(tag);
        continue;
      }
      const d = createDecipheriv('aes-256-gcm', k, nonce).setAAD(nonce).setAuthTag(tag);
      const out = d.update(page);
      try {
        d.final();
        out.copy(dst, i * PAGE_SIZE);
      } catch {
        dst.fill(0, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
        if (failed < 0) failed = i;
      }
      out.fill(0);
    }
    return failed;
  }
}
