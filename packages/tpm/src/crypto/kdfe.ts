import { digestSize, hash } from './hashAlgorithms.js';

/**
 * KDFe (Part 1, 11.4.10.3): the SP800-56A concatenation KDF with a counter, used to turn an ECDH
 * shared point into a seed. K(i) = H(counter || Z || label || 0x00 || partyUInfo || partyVInfo);
 * `label` gets its terminating zero octet here. Excess high bits of the first octet are cleared
 * when `bits` is not a multiple of 8, as KDFa does.
 */
export function kdfe(hashAlg: number, z: Uint8Array, label: string, partyUInfo: Uint8Array, partyVInfo: Uint8Array, bits: number): Buffer {
  const labelBytes = Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(1)]);
  const bytes = (bits + 7) >> 3;
  const counter = Buffer.alloc(4);
  const out: Buffer[] = [];
  for (let i = 1, have = 0; have < bytes; i++, have += digestSize(hashAlg)) {
    counter.writeUInt32BE(i);
    out.push(hash(hashAlg, counter, z, labelBytes, partyUInfo, partyVInfo));
  }
  const result = Buffer.from(Buffer.concat(out).subarray(0, bytes));
  if (bits % 8) result[0]! &= (1 << bits % 8) - 1;
  return result;
}
