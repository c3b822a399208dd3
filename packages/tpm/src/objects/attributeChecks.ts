import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import type { TpmtPublic } from '../structures/public.js';
import type { TpmKey } from './tpmKey.js';

const SIGNING = new Set<number>([TPM_ALG.RSASSA, TPM_ALG.RSAPSS, TPM_ALG.ECDSA, TPM_ALG.ECSCHNORR, TPM_ALG.ECDAA, TPM_ALG.SM2, TPM_ALG.HMAC]);
const DECRYPTING = new Set<number>([TPM_ALG.RSAES, TPM_ALG.OAEP, TPM_ALG.ECDH, TPM_ALG.ECMQV, TPM_ALG.XOR]);

/**
 * The reference's PublicAttributesValidation and SchemeChecks (Part 3, Create / CreatePrimary /
 * Load): attribute combinations, authPolicy size and key parameters that make no sense are
 * refused, numbered as the public-area parameter `param`.
 */
export function validatePublic(pub: TpmtPublic, parent: TpmKey | null, param: number): void {
  const bad = (rc: number, why: string): never => {
    throw new TpmError(rc, why).forParameter(param);
  };
  const a = pub.objectAttributes;
  const has = (k: keyof typeof TPMA_OBJECT) => (a & TPMA_OBJECT[k]) !== 0;
  if (pub.nameAlg === TPM_ALG.NULL) bad(TPM_RC.HASH, 'nameAlg may not be TPM_ALG_NULL');
  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== digestSize(pub.nameAlg)) bad(TPM_RC.SIZE, 'authPolicy is not a nameAlg digest');
  if (!parent || parent.has('fixedTPM')) {
    if (has('fixedTPM') !== has('fixedParent')) bad(TPM_RC.ATTRIBUTES, 'fixedTPM and fixedParent differ under a fixedTPM parent');
  } else if (has('fixedTPM')) bad(TPM_RC.ATTRIBUTES, 'fixedTPM under a parent that is not fixedTPM');
  if (has('sign') === has('decrypt')) {
    if (has('restricted')) bad(TPM_RC.ATTRIBUTES, 'restricted keys are either for signing or for decryption');
    if (pub.type !== TPM_ALG.KEYEDHASH && !has('sign')) bad(TPM_RC.ATTRIBUTES, 'only data objects may be neither sign nor decrypt');
  }
  if (has('fixedTPM') && has('encryptedDuplication')) bad(TPM_RC.ATTRIBUTES, 'encryptedDuplication on a fixedTPM object');
  if (parent && !parent.has('fixedTPM') && has('encryptedDuplication') !== parent.has('encryptedDuplication')) bad(TPM_RC.ATTRIBUTES, 'encryptedDuplication differs from the parent');
  if (has('x509sign') && (has('restricted') || has('decrypt') || !has('sign'))) bad(TPM_RC.ATTRIBUTES, 'x509sign needs an unrestricted signing key');
  schemeChecks(pub, bad);
}

function schemeChecks(pub: TpmtPublic, bad: (rc: number, why: string) => never): void {
  const a = pub.objectAttributes;
  const restricted = (a & TPMA_OBJECT.restricted) !== 0;
  const sign = (a & TPMA_OBJECT.sign) !== 0;
  const decrypt = (a & TPMA_OBJECT.decrypt) !== 0;
  const p = pub.parameters;
  switch (pub.type) {
    case TPM_ALG.KEYEDHASH: {
      const scheme = p.scheme.scheme;
      if (!sign && !decrypt && scheme !== TPM_ALG.NULL) bad(TPM_RC.SCHEME, 'sealed data objects have no scheme');
      if (sign && decrypt && scheme !== TPM_ALG.NULL) bad(TPM_RC.SCHEME, 'a keyedhash key for both uses has no scheme');
      // As the reference's SchemeChecks (and swtpm): a signing keyedhash key names its HMAC, a decrypting one XOR.
      if (sign && !decrypt && scheme !== TPM_ALG.HMAC) bad(TPM_RC.SCHEME, 'a signing keyedhash key uses HMAC');
      if (decrypt && !sign && scheme !== TPM_ALG.XOR) bad(TPM_RC.SCHEME, 'a decrypting keyedhash key uses XOR');
      return;
    }
    case TPM_ALG.SYMCIPHER:
      // For a symmetric key, sign means "may encrypt" (EncryptDecrypt); a restricted one is a storage parent.
      if (restricted && sign) bad(TPM_RC.ATTRIBUTES, 'a restricted symmetric key is a storage parent, not for encryption');
      if (restricted && p.sym.mode !== TPM_ALG.CFB) bad(TPM_RC.MODE, 'a symmetric storage key uses CFB');
      return;
    case TPM_ALG.RSA:
    case TPM_ALG.ECC: {
      const scheme = p.scheme.scheme;
      const sym = p.symmetric;
      if (restricted && decrypt) {
        if (sym.algorithm === TPM_ALG.NULL) bad(TPM_RC.SYMMETRIC, 'a storage key needs a symmetric algorithm');
        if (sym.mode !== TPM_ALG.CFB) bad(TPM_RC.MODE, 'storage keys use CFB');
        if (scheme !== TPM_ALG.NULL) bad(TPM_RC.SCHEME, 'a storage key has no asymmetric scheme');
        if (pub.type === TPM_ALG.ECC && p.kdf.scheme !== TPM_ALG.NULL) bad(TPM_RC.KDF, 'a storage key has no KDF');
      } else if (sym.algorithm !== TPM_ALG.NULL) {
        bad(TPM_RC.SYMMETRIC, 'only restricted decryption keys have a symmetric algorithm');
      }
      if (restricted && sign && scheme === TPM_ALG.NULL) bad(TPM_RC.SCHEME, 'a restricted signing key needs its scheme');
      if (scheme !== TPM_ALG.NULL) {
        if (sign && !decrypt && !SIGNING.has(scheme)) bad(TPM_RC.SCHEME, 'not a signing scheme');
        if (decrypt && !sign && !DECRYPTING.has(scheme)) bad(TPM_RC.SCHEME, 'not a decryption scheme');
        if (sign && decrypt) bad(TPM_RC.SCHEME, 'a key for both uses has no scheme');
      }
      if (pub.type === TPM_ALG.RSA && p.keyBits !== 2048 && p.keyBits !== 3072 && p.keyBits !== 1024) bad(TPM_RC.KEY_SIZE, `RSA ${p.keyBits} not supported`);
      return;
    }
  }
}
