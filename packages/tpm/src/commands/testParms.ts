import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { AES_KEY_SIZES, RSA_KEY_SIZES } from '../capability/algorithms.js';
import { implement } from '../pipeline/handler.js';
import { TestParms } from '../spec/capability.js';
import type { SymDef } from '../structures/symmetric.js';

const parameter1 = (rc: number, detail: string) => new TpmError(rc, detail).forParameter(1);

function checkSymmetric(sym: SymDef): void {
  if (sym.algorithm === TPM_ALG.AES && !AES_KEY_SIZES.includes(sym.keyBits)) throw parameter1(TPM_RC.VALUE, `AES-${sym.keyBits} not implemented`);
}

/**
 * What the parameter codecs admit but this TPM does not implement: RSA-4096 and AES-192 keys
 * (TPM_RC_VALUE, as libtpms refuses them when unmarshalling) and a symmetric cipher object
 * without a cipher (TPM_RC_SYMMETRIC: TPMS_SYMCIPHER_PARMS takes TPMT_SYM_DEF_OBJECT without
 * "+"). Errors are numbered parameter 1, the whole TPMT_PUBLIC_PARMS.
 */
export function checkPublicParms(parms: { type: number; parameters: any }): void {
  const p = parms.parameters;
  switch (parms.type) {
    case TPM_ALG.RSA:
      checkSymmetric(p.symmetric);
      if (!RSA_KEY_SIZES.includes(p.keyBits)) throw parameter1(TPM_RC.VALUE, `RSA-${p.keyBits} not implemented`);
      return;
    case TPM_ALG.ECC:
      checkSymmetric(p.symmetric);
      return;
    case TPM_ALG.SYMCIPHER:
      if (p.sym.algorithm === TPM_ALG.NULL) throw parameter1(TPM_RC.SYMMETRIC, 'a symmetric cipher object needs a cipher');
      checkSymmetric(p.sym);
      return;
    default:
      return;
  }
}

/** Part 3, 30.3: succeeds when the TPM supports the parameters; there is no other effect. */
export const testParms = implement(TestParms, (_tpm, { params }) => {
  checkPublicParms(params.parameters);
  return {};
});
