import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SEALED_FORMAT = 1;

/**
 * The key every stored VM key is encrypted under (AES-256-GCM). The additional data names the
 * record (VM and version), so a sealed key copied onto another VM's row does not open.
 */
export class MasterKey {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error(`a master key is 32 octets, not ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /** format (1) || IV (12) || tag (16) || ciphertext. */
  seal(plaintext: Uint8Array, aad: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.of(SEALED_FORMAT), iv, c.getAuthTag(), ct]);
  }

  open(sealed: Uint8Array, aad: string): Buffer {
    const s = Buffer.from(sealed);
    if (s[0] !== SEALED_FORMAT || s.length < 29) throw new Error(`sealed key record for ${aad} is not in format ${SEALED_FORMAT}`);
    const d = createDecipheriv('aes-256-gcm', this.#key, s.subarray(1, 13)).setAAD(Buffer.from(aad));
    d.setAuthTag(s.subarray(13, 29));
    try {
      return Buffer.concat([d.update(s.subarray(29)), d.final()]);
    } catch {
      throw new Error(`sealed key record for ${aad} does not open under this master key: wrong master key or a tampered record`);
    }
  }

  /** A value stored beside the data so a wrong master key (or passphrase) is caught at startup, not at the first release. */
  checkValue(): Buffer {
    return createHmac('sha256', this.#key).update('vtpm-keybroker master key check').digest();
  }

  matches(check: Uint8Array): boolean {
    const mine = this.checkValue();
    return check.length === mine.length && timingSafeEqual(mine, check);
  }
}
