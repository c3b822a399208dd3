import { TPM_ALG } from '../constants/alg.js';
import { marshal } from '../codec/codec.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { TPMT_PUBLIC, type TpmtPublic } from '../structures/public.js';

/** Name of an object (Part 1, 16): nameAlg || H_nameAlg(TPMT_PUBLIC). TPM_ALG_NULL objects have no name digest. */
export function objectName(pub: TpmtPublic): Buffer {
  const alg = Buffer.alloc(2);
  alg.writeUInt16BE(pub.nameAlg);
  if (pub.nameAlg === TPM_ALG.NULL) return alg;
  return Buffer.concat([alg, hash(pub.nameAlg, marshal(TPMT_PUBLIC, pub))]);
}

/** Qualified name (Part 1, 16.6): nameAlg || H(parent's qualified name || name). */
export function qualifiedName(parentQualifiedName: Buffer, name: Buffer, nameAlg: number): Buffer {
  const alg = Buffer.alloc(2);
  alg.writeUInt16BE(nameAlg);
  return Buffer.concat([alg, hash(nameAlg, parentQualifiedName, name)]);
}

/** A permanent handle's name and qualified name are the handle itself (4 octets). */
export function handleName(handle: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(handle >>> 0);
  return b;
}
