import { nativeAesGcm, type AesGcmInPlace } from '@vtpm/hypervisor';
import { GcmRecordCodec, RecordRejectedError, nonceOf, type RecordCodec } from './recordCodec.js';

/**
 * GcmRecordCodec's records, byte for byte, through the native addon's AES-256-GCM: sealed
 * straight into the record buffer and opened in place in the received frame, so no buffer is
 * allocated per record. A record that does not authenticate leaves zeros, not unauthenticated
 * plaintext, where its body was.
 */
export class NativeGcmRecordCodec implements RecordCodec {
  readonly encrypted = true;
  readonly trailerBytes = 16;

  constructor(private readonly key: Buffer, private readonly aes: AesGcmInPlace) {
    if (key.length !== 32) throw new Error(`AES-256-GCM needs a 32-octet key, got ${key.length}`);
  }

  protect(seq: bigint, header: Buffer, body: Buffer, out: Buffer, offset: number): void {
    const end = offset + body.length;
    this.aes.seal(this.key, nonceOf(seq), header, body, out.subarray(offset, end), out.subarray(end, end + 16));
  }

  unprotect(seq: bigint, header: Buffer, protectedBody: Buffer, trailer: Buffer): Buffer {
    if (!this.aes.open(this.key, nonceOf(seq), header, protectedBody, protectedBody, trailer)) {
      throw new RecordRejectedError(`record seq ${seq} does not authenticate: modified in transit, or spliced from elsewhere`);
    }
    return protectedBody;
  }
}

/** The native codec when the addon has AES-GCM, else node:crypto's: the same records either way. */
export function gcmRecordCodec(key: Buffer): RecordCodec {
  const aes = nativeAesGcm();
  return aes ? new NativeGcmRecordCodec(key, aes) : new GcmRecordCodec(key);
}
