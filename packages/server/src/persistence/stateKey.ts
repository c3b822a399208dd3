import { createHash, hkdfSync, pbkdf2Sync, randomBytes } from 'node:crypto';

/** How a state key was given: 32 key octets, or a passphrase and the KDF that stretches it. */
export type KeyDerivation = 'raw' | 'pbkdf2' | 'sha512';

/** The derivation's number in a sealed blob's header. */
export const KDF_ID: Readonly<Record<KeyDerivation, number>> = { raw: 0, pbkdf2: 1, sha512: 2 };

/** AES-256: the only key size vtpm seals state with. */
export const STATE_KEY_BYTES = 32;
/** PBKDF2-HMAC-SHA512 iterations for passphrase keys (recorded in each blob, so it may change later). */
export const PBKDF2_ITERATIONS = 200_000;
export const SALT_BYTES = 16;

/** The three keys one seal uses, derived from the master key and the blob's salt. */
export interface DerivedKeys {
  encryption: Buffer;
  /** Keys the synthetic IV, which makes sealing deterministic (blob -> vTPM -> blob is byte-identical). */
  iv: Buffer;
  /** Keys the key check value, which tells a wrong key from a damaged blob. */
  check: Buffer;
}

/**
 * A key that seals TPM state (`--key` for the state files, `--migration-key` for blobs leaving over
 * the control channel). Passphrase keys are stretched with the salt of each blob; the salt of the
 * last blob opened is reused for the next seal, so re-sealing an unchanged state gives the same bytes.
 */
export class StateKey {
  private readonly derived = new Map<string, DerivedKeys>();
  /** Salt the next seal uses (raw keys: all zero, a random key needs none). */
  private salt: Buffer;

  private constructor(
    readonly derivation: KeyDerivation,
    private readonly secret: Buffer,
    readonly iterations: number,
  ) {
    this.salt = derivation === 'raw' ? Buffer.alloc(SALT_BYTES) : randomBytes(SALT_BYTES);
  }

  /** 32 key octets (AES-256). */
  static fromBytes(key: Buffer): StateKey {
    if (key.length !== STATE_KEY_BYTES) throw new RangeError(`a state key has ${STATE_KEY_BYTES} octets (AES-256), this one ${key.length}`);
    return new StateKey('raw', Buffer.from(key), 0);
  }

  /** A passphrase, stretched with PBKDF2-HMAC-SHA512 (default) or hashed with SHA-512 (swtpm's kdf=sha512). */
  static fromPassphrase(passphrase: Buffer, kdf: 'pbkdf2' | 'sha512' = 'pbkdf2', iterations = PBKDF2_ITERATIONS): StateKey {
    if (passphrase.length === 0) throw new RangeError('the passphrase is empty');
    return new StateKey(kdf, Buffer.from(passphrase), kdf === 'pbkdf2' ? iterations : 0);
  }

  /** Salt and iteration count for the next seal. */
  sealingParameters(): { salt: Buffer; iterations: number } {
    return { salt: this.salt, iterations: this.iterations };
  }

  /** Adopts the salt of a blob this key opened, so an unchanged state re-seals to the same bytes. */
  adoptSalt(salt: Buffer): void {
    if (this.derivation !== 'raw') this.salt = Buffer.from(salt);
  }

  keysFor(salt: Buffer, iterations: number): DerivedKeys {
    const id = `${salt.toString('hex')}/${iterations}`;
    let keys = this.derived.get(id);
    if (!keys) {
      const master = this.masterKey(salt, iterations);
      const expand = (label: string) => Buffer.from(hkdfSync('sha256', master, salt, `vtpm state ${label}`, 32));
      keys = { encryption: expand('encryption'), iv: expand('iv'), check: expand('key check') };
      this.derived.set(id, keys);
    }
    return keys;
  }

  private masterKey(salt: Buffer, iterations: number): Buffer {
    switch (this.derivation) {
      case 'raw':
        return this.secret;
      case 'sha512':
        return createHash('sha512').update(this.secret).digest().subarray(0, STATE_KEY_BYTES);
      case 'pbkdf2':
        return pbkdf2Sync(this.secret, salt, iterations, STATE_KEY_BYTES, 'sha512');
    }
  }
}
