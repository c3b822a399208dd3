import { createHmac, type Hmac } from 'node:crypto';
import { hashAlgorithm } from '../crypto/hashAlgorithms.js';
import { HashSequence } from './hashSequence.js';
import type { TpmtHa } from '../structures/basic.js';

/**
 * An HMAC sequence (TPM2_HMAC_Start): a hash sequence keyed with an HMAC key's secret. It takes
 * SequenceUpdate and SequenceComplete like a hash sequence, but never earns a hash-check ticket
 * (the reference completes it with a NULL ticket).
 */
export class HmacSequence extends HashSequence {
  private readonly mac: Hmac;

  constructor(authValue: Buffer, hashAlg: number, key: Buffer) {
    super(authValue, hashAlg);
    this.mac = createHmac(hashAlgorithm(hashAlg).nodeName, key);
  }

  override update(data: Buffer): void {
    this.mac.update(data);
  }

  override get ticketSafe(): boolean {
    return false;
  }

  override finish(): TpmtHa[] {
    return [{ hashAlg: this.hashAlg, digest: this.mac.digest() }];
  }
}
