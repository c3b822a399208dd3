import { createHash, type Hash } from 'node:crypto';
import { hashAlgorithm } from '../crypto/hashAlgorithms.js';
import { HashSequence } from './hashSequence.js';
import type { TpmtHa } from '../structures/basic.js';

/**
 * An HMAC sequence (TPM2_HMAC_Start): a hash sequence keyed with an HMAC key's secret. It takes
 * SequenceUpdate and SequenceComplete like a hash sequence, but never earns a hash-check ticket
 * (the reference completes it with a NULL ticket). HMAC is computed from its definition (RFC 2104)
 * over a node:crypto Hash, because an Hmac object cannot be copied and ContextSave needs a copy.
 */
export class HmacSequence extends HashSequence {
  private constructor(
    authValue: Buffer,
    hashAlg: number,
    /** K' xor opad, hashed in front of the inner digest at the end. */
    private readonly outerPad: Buffer,
    /** H((K' xor ipad) || data so far). */
    private readonly inner: Hash,
  ) {
    super(authValue, hashAlg);
  }

  static start(authValue: Buffer, hashAlg: number, key: Buffer): HmacSequence {
    const { nodeName, blockSize } = hashAlgorithm(hashAlg);
    const k = key.length > blockSize ? createHash(nodeName).update(key).digest() : key;
    const padded = Buffer.concat([k, Buffer.alloc(blockSize - k.length)]);
    const pad = (byte: number) => Buffer.from(padded.map((b) => b ^ byte));
    return new HmacSequence(authValue, hashAlg, pad(0x5c), createHash(nodeName).update(pad(0x36)));
  }

  override update(data: Buffer): void {
    this.inner.update(data);
  }

  override get ticketSafe(): boolean {
    return false;
  }

  override finish(): TpmtHa[] {
    const outer = createHash(hashAlgorithm(this.hashAlg).nodeName).update(this.outerPad).update(this.inner.digest());
    return [{ hashAlg: this.hashAlg, digest: outer.digest() }];
  }

  override clone(): HmacSequence {
    return new HmacSequence(Buffer.from(this.authValue), this.hashAlg, this.outerPad, this.inner.copy());
  }
}
