import { timingSafeEqual } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { Reader } from '../codec/reader.js';
import { marshal } from '../codec/codec.js';
import { digestSize, hmac } from '../crypto/hashAlgorithms.js';
import { kdfa } from '../crypto/kdf.js';
import { aesDecrypt, aesEncrypt } from '../crypto/symmetric.js';
import { TpmError, fail } from '../errors.js';
import { TPM2B_DIGEST } from '../structures/basic.js';

/** TPM_PT_CONTEXT_HASH / _SYM / _SYM_SIZE, as swtpm reports them: HMAC-SHA-512, AES-256-CFB. */
export const CONTEXT_INTEGRITY_HASH = TPM_ALG.SHA512;
const CONTEXT_KEY_BITS = 256;
const CONTEXT_IV_BYTES = 16;
/** The savedHandle of an object with stClear: its context also dies with TPM Restart. */
export const SAVED_STCLEAR = 0x80000002;

/** What a context's protection is bound to besides its own fields. */
export interface ContextBinding {
  /** The hierarchy proof named by TPMS_CONTEXT.hierarchy. */
  proof: Buffer;
  /** Counts every TPM Reset over the TPM's life (the reference's totalResetCount). */
  totalResetCount: bigint;
  /** Counts TPM Reset and Restart (clearCount); bound only for savedHandle 0x80000002. */
  clearCount: number;
}

export interface ContextHeader {
  sequence: bigint;
  savedHandle: number;
}

const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** symKey || IV = KDFa(hash, proof, "CONTEXT", sequence, savedHandle, bits) (Part 1, 30.3.2; ComputeContextProtectionKey). */
function protectionKey(h: ContextHeader, b: ContextBinding): { key: Buffer; iv: Buffer } {
  const out = kdfa(CONTEXT_INTEGRITY_HASH, b.proof, 'CONTEXT', u64(h.sequence), u32(h.savedHandle), CONTEXT_KEY_BITS + CONTEXT_IV_BYTES * 8);
  return { key: out.subarray(0, CONTEXT_KEY_BITS / 8), iv: out.subarray(CONTEXT_KEY_BITS / 8) };
}

/**
 * HMAC(proof, totalResetCount || [clearCount] || sequence || savedHandle || encrypted) (Part 1,
 * 30.3.3; ComputeContextIntegrity): a context dies with TPM Reset, a stClear one also with Restart.
 */
function integrity(h: ContextHeader, b: ContextBinding, encrypted: Buffer): Buffer {
  const clear = h.savedHandle === SAVED_STCLEAR ? u32(b.clearCount) : Buffer.alloc(0);
  return hmac(CONTEXT_INTEGRITY_HASH, b.proof, u64(b.totalResetCount), clear, u64(h.sequence), u32(h.savedHandle), encrypted);
}

/**
 * TPM2B_CONTEXT_DATA contents: integrity (TPM2B_DIGEST) || AES-CFB(sequence || payload). The
 * sequence inside the encryption is the reference's fingerprint.
 */
export function sealContext(h: ContextHeader, b: ContextBinding, payload: Buffer): Buffer {
  const { key, iv } = protectionKey(h, b);
  const encrypted = aesEncrypt(CONTEXT_KEY_BITS, TPM_ALG.CFB, key, iv, Buffer.concat([u64(h.sequence), payload]));
  return Buffer.concat([marshal(TPM2B_DIGEST, integrity(h, b, encrypted)), encrypted]);
}

/**
 * Checks and decrypts a context blob (TPM2_ContextLoad's order): an integrity field that does not
 * unmarshal is its own code (un-numbered, as the reference returns it); a wrong size or a blob too
 * short for the fingerprint is TPM_RC_SIZE and a failed HMAC TPM_RC_INTEGRITY, both for parameter 1.
 */
export function openContext(h: ContextHeader, b: ContextBinding, blob: Buffer): Buffer {
  const r = new Reader(blob);
  const mac = TPM2B_DIGEST.read(r);
  const param1 = (rc: number, why: string) => new TpmError(rc, why).forParameter(1);
  if (mac.length !== digestSize(CONTEXT_INTEGRITY_HASH)) throw param1(TPM_RC.SIZE, 'integrity size');
  if (r.remaining < 8) throw param1(TPM_RC.SIZE, 'no room for the fingerprint');
  const encrypted = blob.subarray(r.offset);
  if (!timingSafeEqual(mac, integrity(h, b, encrypted))) throw param1(TPM_RC.INTEGRITY, 'context integrity check failed');
  const { key, iv } = protectionKey(h, b);
  const plain = aesDecrypt(CONTEXT_KEY_BITS, TPM_ALG.CFB, key, iv, encrypted);
  // A fingerprint mismatch behind a valid HMAC means a broken TPM: the reference enters failure mode.
  if (plain.readBigUInt64BE(0) !== h.sequence) fail(TPM_RC.FAILURE, 'context fingerprint mismatch');
  return plain.subarray(8);
}
