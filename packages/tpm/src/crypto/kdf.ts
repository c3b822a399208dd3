import { hmac, digestSize } from './hashAlgorithms.js';

/** "label\0" octets of the few labels the TPM uses, kept (bounded: a caller could pass any string). */
const labelCache = new Map<string, Buffer>();

function labelBytes(label: string): Buffer {
  let b = labelCache.get(label);
  if (!b) {
    b = Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(1)]);
    if (labelCache.size < 64) labelCache.set(label, b);
  }
  return b;
}

/**
 * KDFa (Part 1, 11.4.10.2): SP800-108 counter-mode KDF with HMAC. `label` gets its terminating
 * zero octet here; when `bits` is not a multiple of 8 the excess high bits of the first octet are
 * cleared.
 */
export function kdfa(hashAlg: number, key: Uint8Array, label: string, contextU: Uint8Array, contextV: Uint8Array, bits: number): Buffer {
  const labelOctets = labelBytes(label);
  const counterAndBits = Buffer.allocUnsafe(8);
  counterAndBits.writeUInt32BE(bits, 4);
  const counter = counterAndBits.subarray(0, 4);
  const bitsBytes = counterAndBits.subarray(4);
  const bytes = (bits + 7) >> 3;
  const size = digestSize(hashAlg);
  const result = Buffer.alloc(bytes);
  for (let i = 1, have = 0; have < bytes; i++, have += size) {
    counter.writeUInt32BE(i);
    hmac(hashAlg, key, counter, labelOctets, contextU, contextV, bitsBytes).copy(result, have, 0, Math.min(size, bytes - have));
  }
  if (bits % 8) result[0]! &= (1 << bits % 8) - 1;
  return result;
}
