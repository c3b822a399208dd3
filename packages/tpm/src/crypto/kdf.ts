import { hmac, digestSize } from './hashAlgorithms.js';

/**
 * KDFa (Part 1, 11.4.10.2): SP800-108 counter-mode KDF with HMAC. `label` gets its terminating
 * zero octet here; when `bits` is not a multiple of 8 the excess high bits of the first octet are
 * cleared.
 */
export function kdfa(hashAlg: number, key: Uint8Array, label: string, contextU: Uint8Array, contextV: Uint8Array, bits: number): Buffer {
  const labelBytes = Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(1)]);
  const bitsBytes = Buffer.alloc(4);
  bitsBytes.writeUInt32BE(bits);
  const bytes = (bits + 7) >> 3;
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 1, have = 0; have < bytes; i++, have += digestSize(hashAlg)) {
    counter.writeUInt32BE(i);
    out.push(hmac(hashAlg, key, counter, labelBytes, contextU, contextV, bitsBytes));
  }
  const result = Buffer.concat(out).subarray(0, bytes);
  if (bits % 8) result[0]! &= (1 << bits % 8) - 1;
  return Buffer.from(result);
}
