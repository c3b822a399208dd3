import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { hmac } from '../crypto/hashAlgorithms.js';
import { aesChained } from '../crypto/symmetricChaining.js';
import { HmacSequence } from '../objects/hmacSequence.js';
import type { TpmKey } from '../objects/tpmKey.js';
import { implement } from '../pipeline/handler.js';
import { EncryptDecrypt, EncryptDecrypt2, HMAC, HMAC_Start } from '../spec/symmetric.js';
import { MAX_SYM_BLOCK_SIZE } from '../structures/cipher.js';
import type { Tpm } from '../tpm.js';
import { privateKeyAt } from './keyUse.js';

const byHandle = (rc: number, why: string) => new TpmError(rc, why).forHandle(1);
const byParam = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forParameter(n);

interface CipherRequest {
  decrypt: boolean;
  mode: number;
  ivIn: Buffer;
  inData: Buffer;
}

/** Where each input sits in the command, for error numbering (EncryptDecrypt2 moved inData first). */
interface ParamNumbers {
  mode: number;
  ivIn: number;
  inData: number;
}

/**
 * EncryptDecrypt and EncryptDecrypt2 (the reference's EncryptDecryptShared): an unrestricted
 * symmetric key whose `decrypt` attribute allows decryption and `sign` attribute encryption; the
 * key's mode wins unless it is TPM_ALG_NULL.
 */
function encryptDecrypt(tpm: Tpm, keyHandle: number, req: CipherRequest, at: ParamNumbers) {
  const key = privateKeyAt(tpm, keyHandle, 1);
  if (key.pub.type !== TPM_ALG.SYMCIPHER) throw byHandle(TPM_RC.KEY, 'not a symmetric cipher key');
  if (key.has('restricted') || !key.has(req.decrypt ? 'decrypt' : 'sign')) throw byHandle(TPM_RC.ATTRIBUTES, `the key does not allow ${req.decrypt ? 'decryption' : 'encryption (sign)'}`);
  const sym = key.pub.parameters.sym;
  let mode: number = sym.mode;
  if (mode === TPM_ALG.NULL) {
    if (req.mode === TPM_ALG.NULL) throw byParam(at.mode)(TPM_RC.MODE, 'neither key nor command names a mode');
    mode = req.mode;
  } else if (req.mode !== TPM_ALG.NULL && req.mode !== mode) {
    throw byParam(at.mode)(TPM_RC.MODE, 'mode differs from the key mode');
  }
  const ivSize = mode === TPM_ALG.ECB ? 0 : MAX_SYM_BLOCK_SIZE;
  if (req.ivIn.length !== ivSize) throw byParam(at.ivIn)(TPM_RC.SIZE, `ivIn must be ${ivSize} octets in this mode`);
  if ((mode === TPM_ALG.CBC || mode === TPM_ALG.ECB) && req.inData.length % MAX_SYM_BLOCK_SIZE !== 0) throw byParam(at.inData)(TPM_RC.SIZE, 'CBC and ECB take whole blocks');
  const { data, ivOut } = aesChained(sym.keyBits, mode, key.sensitive.sensitive, req.ivIn, req.inData, req.decrypt);
  return { outData: data, ivOut };
}

export const encryptDecryptCommand = implement(EncryptDecrypt, (tpm, { handles, params }) =>
  encryptDecrypt(tpm, handles.keyHandle, params, { mode: 2, ivIn: 3, inData: 4 }),
);

export const encryptDecrypt2 = implement(EncryptDecrypt2, (tpm, { handles, params }) =>
  encryptDecrypt(tpm, handles.keyHandle, params, { mode: 3, ivIn: 4, inData: 1 }),
);

/**
 * The HMAC key and hash for HMAC and HMAC_Start. swtpm implements these as TPM2_MAC / MAC_Start
 * (same command codes, Part 3 1.59; the reference's CryptSelectMac), so the MAC is chosen first:
 * the key's scheme hash wins, a different requested one is TPM_RC_VALUE for parameter 2, and a
 * symmetric key would need CMAC, which this TPM does not implement (TPM_RC_SCHEME). Only then must
 * the key be an unrestricted signing key.
 */
function hmacKeyAndHash(tpm: Tpm, handle: number, requested: number): { key: TpmKey; hashAlg: number } {
  const key = privateKeyAt(tpm, handle, 1);
  const { type, parameters } = key.pub;
  let keyMac: number;
  if (type === TPM_ALG.KEYEDHASH) keyMac = parameters.scheme.scheme === TPM_ALG.NULL ? TPM_ALG.NULL : parameters.scheme.details.hashAlg;
  else if (type === TPM_ALG.SYMCIPHER) keyMac = parameters.sym.mode;
  else throw byHandle(TPM_RC.TYPE, 'not a keyedhash or symmetric key');
  if (requested !== TPM_ALG.NULL ? keyMac !== TPM_ALG.NULL && keyMac !== requested : keyMac === TPM_ALG.NULL) {
    throw byParam(2)(TPM_RC.VALUE, 'no hash, or one other than the key scheme hash');
  }
  if (type !== TPM_ALG.KEYEDHASH) throw byParam(2)(TPM_RC.SCHEME, 'symmetric keys MAC with CMAC, not implemented');
  if (key.has('restricted')) throw byHandle(TPM_RC.ATTRIBUTES, 'restricted HMAC keys only sign TPM-made data');
  if (!key.has('sign')) throw byHandle(TPM_RC.KEY, 'not an HMAC (signing) key');
  return { key, hashAlg: requested === TPM_ALG.NULL ? keyMac : requested };
}

export const hmacCommand = implement(HMAC, (tpm, { handles, params }) => {
  const { key, hashAlg } = hmacKeyAndHash(tpm, handles.handle, params.hashAlg);
  return { outHMAC: hmac(hashAlg, key.sensitive.sensitive, params.buffer) };
});

export const hmacStart = implement(HMAC_Start, (tpm, { handles, params }) => {
  const { key, hashAlg } = hmacKeyAndHash(tpm, handles.handle, params.hashAlg);
  return { sequenceHandle: tpm.objects.add(HmacSequence.start(params.auth, hashAlg, key.sensitive.sensitive)) };
});
