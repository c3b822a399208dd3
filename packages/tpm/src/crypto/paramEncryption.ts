import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import type { SymDef } from '../structures/symmetric.js';
import { kdfa } from './kdf.js';
import { aesDecrypt, aesEncrypt } from './symmetric.js';

const AES_BLOCK_BITS = 128;

/**
 * Session-based encryption of the first parameter's data octets (Part 1, 21). Both sides derive
 * the same stream from the session key: `key` is sessionKey || authValue, `nonceNewer` the nonce
 * of the side that sends the parameter (nonceCaller for commands, the new nonceTPM for responses)
 * and `nonceOlder` the other one.
 *   AES-CFB (21.3): KDFa(authHash, key, "CFB", nonceNewer, nonceOlder, keyBits + 128) = key || IV
 *   XOR (21.2):     data XOR KDFa(authHash, key, "XOR", nonceNewer, nonceOlder, 8 * size); the
 *                   session's authHash, not the XOR definition's hash, as the reference does
 */
export function parameterEncrypt(symmetric: SymDef, authHash: number, key: Buffer, nonceNewer: Buffer, nonceOlder: Buffer, data: Buffer): Buffer {
  return transform(symmetric, authHash, key, nonceNewer, nonceOlder, data, true);
}

export function parameterDecrypt(symmetric: SymDef, authHash: number, key: Buffer, nonceNewer: Buffer, nonceOlder: Buffer, data: Buffer): Buffer {
  return transform(symmetric, authHash, key, nonceNewer, nonceOlder, data, false);
}

function transform(symmetric: SymDef, authHash: number, key: Buffer, nonceNewer: Buffer, nonceOlder: Buffer, data: Buffer, encrypt: boolean): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  if (symmetric.algorithm === TPM_ALG.XOR) {
    const mask = kdfa(authHash, key, 'XOR', nonceNewer, nonceOlder, data.length * 8);
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i]!;
    return out;
  }
  if (symmetric.algorithm === TPM_ALG.AES) {
    const keyBytes = symmetric.keyBits / 8;
    const material = kdfa(authHash, key, 'CFB', nonceNewer, nonceOlder, symmetric.keyBits + AES_BLOCK_BITS);
    const aesKey = material.subarray(0, keyBytes);
    const iv = material.subarray(keyBytes);
    return encrypt ? aesEncrypt(symmetric.keyBits, TPM_ALG.CFB, aesKey, iv, data) : aesDecrypt(symmetric.keyBits, TPM_ALG.CFB, aesKey, iv, data);
  }
  return fail(TPM_RC.SYMMETRIC, 'session has no parameter encryption algorithm');
}
