import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner } from '../attestation/signer.js';
import { implement } from '../pipeline/handler.js';
import { Quote } from '../spec/attestation.js';
import { currentPcrDigest } from './policyPcr.js';

/**
 * TPM2_Quote (Part 3, 18.4): the selected PCRs (unallocated ones dropped from the selection) and
 * the digest of their values with the signing scheme's hash. Without a key there is no hash to
 * digest the PCRs with: TPM_RC_SCHEME, as in the reference.
 */
export const quote = implement(Quote, (tpm, { handles, params }) => {
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 1, 2);
  const hashAlg = signer.scheme.details?.hashAlg ?? TPM_ALG.NULL;
  if (hashAlg === TPM_ALG.NULL) throw new TpmError(TPM_RC.SCHEME, 'no hash to digest the PCRs with').forParameter(2);
  const pcrs = currentPcrDigest(tpm, hashAlg, params.PCRselect);
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_QUOTE, { pcrSelect: pcrs.selection, pcrDigest: pcrs.digest });
  return { quoted: attest, signature };
});
