import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';

const MODES: Record<number, string> = {
  [TPM_ALG.CFB]: 'cfb',
  [TPM_ALG.CBC]: 'cbc',
  [TPM_ALG.CTR]: 'ctr',
  [TPM_ALG.OFB]: 'ofb',
  [TPM_ALG.ECB]: 'ecb',
};

function cipherName(keyBits: number, mode: number): string {
  const m = MODES[mode] ?? fail(TPM_RC.MODE, `mode 0x${mode.toString(16)}`);
  return `aes-${keyBits}-${m}`;
}

/**
 * AES in a TPM block mode without padding (the TPM pads nothing: CBC/ECB data must be whole
 * blocks). CFB is CFB-128, as the TPM uses for storage keys, sessions and parameter encryption.
 */
export function aesEncrypt(keyBits: number, mode: number, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv(cipherName(keyBits, mode), key, mode === TPM_ALG.ECB ? null : iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function aesDecrypt(keyBits: number, mode: number, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv(cipherName(keyBits, mode), key, mode === TPM_ALG.ECB ? null : iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** AES-CFB with a zero IV: the protected-storage wrap of Part 1, 23 (keys are single-use per name). */
export function cfbZeroIv(keyBits: number, key: Buffer, data: Buffer, encrypt: boolean): Buffer {
  const iv = Buffer.alloc(16);
  return encrypt ? aesEncrypt(keyBits, TPM_ALG.CFB, key, iv, data) : aesDecrypt(keyBits, TPM_ALG.CFB, key, iv, data);
}
