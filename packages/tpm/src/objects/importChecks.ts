import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { toBigInt } from '../crypto/bigints.js';
import { eccCurve } from '../crypto/eccCurves.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { TpmError } from '../errors.js';
import type { TpmtPublic } from '../structures/public.js';
import type { TpmtSensitive } from '../structures/sensitive.js';
import { validatePublic } from './attributeChecks.js';
import { sensitiveMatchesPublic } from './keyBinding.js';

/**
 * Import under a fixedTPM parent validates the object as Load would (the reference's
 * ObjectLoad(NULL, NULL, ...) then CryptValidateKeys), so that the later Load may skip it.
 * Errors are blamed on objectPublic (parameter 2) or duplicate (parameter 3) as the reference
 * does; a key pair that does not belong together is TPM_RC_BINDING without a number for RSA and
 * ECC keys (the reference's unnumbered returns).
 */
const PUBLIC = 2;
const SENSITIVE = 3;

export function validateImported(pub: TpmtPublic, sensitive: TpmtSensitive): void {
  const onPublic = (rc: number, why: string): never => {
    throw new TpmError(rc, why).forParameter(PUBLIC);
  };
  const onSensitive = (rc: number, why: string): never => {
    throw new TpmError(rc, why).forParameter(SENSITIVE);
  };
  const unnumbered = (rc: number, why: string): never => {
    throw new TpmError(rc, why);
  };
  const digest = digestSize(pub.nameAlg);
  if (sensitive.seedValue.length > digest) onSensitive(TPM_RC.KEY_SIZE, 'seedValue longer than the nameAlg digest');
  validatePublic(pub, null, PUBLIC);
  if (sensitive.sensitiveType !== pub.type) onSensitive(TPM_RC.TYPE, 'sensitive and public types differ');
  if (sensitive.authValue.length > digest) onSensitive(TPM_RC.SIZE, 'authValue longer than the nameAlg digest');
  switch (pub.type) {
    case TPM_ALG.RSA: {
      const n = pub.unique as Buffer;
      const bytes = pub.parameters.keyBits / 8;
      if (n.length !== bytes || n[0]! < 0x80) onPublic(TPM_RC.KEY, 'modulus of the wrong size');
      const e = pub.parameters.exponent;
      if (e !== 0 && e < 7) onPublic(TPM_RC.VALUE, 'exponent');
      if (sensitive.sensitive.length * 2 !== bytes || sensitive.sensitive[0]! < 0x80) onSensitive(TPM_RC.KEY_SIZE, 'prime of the wrong size');
      if (!sensitiveMatchesPublic(pub, sensitive)) unnumbered(TPM_RC.BINDING, 'the prime does not divide the modulus');
      break;
    }
    case TPM_ALG.ECC: {
      const d = toBigInt(sensitive.sensitive);
      if (d <= 0n || d >= eccCurve(pub.parameters.curveID).order) unnumbered(TPM_RC.KEY_SIZE, 'private scalar out of range');
      if (!sensitiveMatchesPublic(pub, sensitive)) unnumbered(TPM_RC.BINDING, 'the scalar does not give the public point');
      break;
    }
    default:
      if (pub.type === TPM_ALG.SYMCIPHER && sensitive.sensitive.length * 8 !== pub.parameters.sym.keyBits) onSensitive(TPM_RC.KEY_SIZE, 'symmetric key size');
      if (!sensitiveMatchesPublic(pub, sensitive)) onPublic(TPM_RC.BINDING, 'unique is not H(seedValue || sensitive)');
  }
  const isParent = (pub.objectAttributes & TPMA_OBJECT.restricted) !== 0 && (pub.objectAttributes & TPMA_OBJECT.decrypt) !== 0;
  if (isParent && (sensitive.seedValue.length < digest / 2 || sensitive.seedValue.length > digest)) onSensitive(TPM_RC.SIZE, 'a parent seedValue is half to one nameAlg digest');
}
