import { TPM_ALG } from '../constants/alg.js';
import { aesDecrypt, aesEncrypt } from './symmetric.js';

const BLOCK = 16;

export interface ChainedResult {
  data: Buffer;
  /** The chaining value for the next call (TPM2_EncryptDecrypt ivOut). */
  ivOut: Buffer;
}

/** The IV advanced by `blocks` (CTR: the big-endian 128-bit counter, wrapping). */
function addToCounter(iv: Buffer, blocks: number): Buffer {
  const v = (BigInt('0x' + iv.toString('hex')) + BigInt(blocks)) & ((1n << 128n) - 1n);
  return Buffer.from(v.toString(16).padStart(2 * BLOCK, '0'), 'hex');
}

/**
 * AES in a TPM block mode with the chaining value a TPM returns, as libtpms computes it with
 * OpenSSL (swtpm): CBC and CFB continue from the last ciphertext, OFB from the last keystream
 * block, CTR from the next counter. After a partial CFB block the IV is that partial ciphertext
 * followed by the rest of its keystream block, so a split stream decrypts like a whole one.
 */
export function aesChained(keyBits: number, mode: number, key: Buffer, iv: Buffer, input: Buffer, decrypt: boolean): ChainedResult {
  if (input.length === 0) return { data: Buffer.alloc(0), ivOut: iv };
  const data = (decrypt ? aesDecrypt : aesEncrypt)(keyBits, mode, key, iv, input);
  const cipherText = decrypt ? input : data;
  const blocks = Math.ceil(input.length / BLOCK);
  const ecb = (block: Buffer) => aesEncrypt(keyBits, TPM_ALG.ECB, key, Buffer.alloc(0), block);
  switch (mode) {
    case TPM_ALG.ECB:
      return { data, ivOut: Buffer.alloc(0) };
    case TPM_ALG.CBC:
      return { data, ivOut: Buffer.from(cipherText.subarray(-BLOCK)) };
    case TPM_ALG.CTR:
      return { data, ivOut: addToCounter(iv, blocks) };
    case TPM_ALG.OFB: {
      let ks = iv;
      for (let i = 0; i < blocks; i++) ks = ecb(ks);
      return { data, ivOut: ks };
    }
    case TPM_ALG.CFB: {
      const whole = input.length - (input.length % BLOCK || BLOCK);
      const last = cipherText.subarray(whole);
      if (last.length === BLOCK) return { data, ivOut: Buffer.from(last) };
      const previous = whole === 0 ? iv : cipherText.subarray(whole - BLOCK, whole);
      return { data, ivOut: Buffer.concat([last, ecb(Buffer.from(previous)).subarray(last.length)]) };
    }
    default:
      throw new RangeError(`mode 0x${mode.toString(16)}`);
  }
}
