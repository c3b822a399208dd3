import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError, fail } from '../errors.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner } from '../attestation/signer.js';
import { checkReadAccess } from '../nv/nvAccess.js';
import { implement } from '../pipeline/handler.js';
import { NV_Certify } from '../spec/attestation.js';
import { LIMITS } from '../structures/basic.js';

/**
 * TPM2_NV_Certify (Part 3, 31.16): a range of an index's data, or with size 0 at offset 0 a digest of
 * all of it (TPMS_NV_DIGEST_CERTIFY_INFO, with the scheme's hash; empty when unsigned). Read access
 * as NV_Read; a range beyond the index is TPM_RC_NV_RANGE, more than one NV buffer TPM_RC_VALUE.
 */
export const nvCertify = implement(NV_Certify, (tpm, { handles, params }) => {
  const { size, offset } = params;
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 1, 2);
  const index = tpm.nv.at(handles.nvIndex);
  checkReadAccess(handles.authHandle, index);
  if (size + offset > index.dataSize) fail(TPM_RC.NV_RANGE, 'range beyond the index');
  if (size > LIMITS.MAX_NV_BUFFER_SIZE) throw new TpmError(TPM_RC.VALUE, 'more than one NV buffer').forParameter(3);
  const indexName = index.name();
  if (size !== 0 || offset !== 0) {
    const attested = { indexName, offset, nvContents: index.read(offset, size) };
    const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_NV, attested);
    return { certifyInfo: attest, signature };
  }
  const hashAlg = signer.scheme.details?.hashAlg ?? TPM_ALG.NULL;
  const nvDigest = hashAlg === TPM_ALG.NULL ? Buffer.alloc(0) : hash(hashAlg, index.read(0, index.dataSize));
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_NV_DIGEST, { indexName, nvDigest });
  return { certifyInfo: attest, signature };
});
