import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner } from '../attestation/signer.js';
import { implement } from '../pipeline/handler.js';
import { GetSessionAuditDigest } from '../spec/attestation.js';

/**
 * TPM2_GetSessionAuditDigest (Part 3, 18.5): the audit digest of an HMAC session that has audited
 * commands (TPM_RC_TYPE for the session handle otherwise), and whether it has been the only audit
 * session since it started auditing. The digest is as it was before this command.
 */
export const getSessionAuditDigest = implement(GetSessionAuditDigest, (tpm, { handles, params }) => {
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 2, 2);
  const session = tpm.sessions.get(handles.sessionHandle);
  if (!session?.auditDigest) throw new TpmError(TPM_RC.TYPE, 'not an audit session').forHandle(3);
  const attested = { exclusiveSession: tpm.sessions.exclusiveAudit === session.handle, sessionDigest: session.auditDigest };
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_SESSION_AUDIT, attested);
  return { auditInfo: attest, signature };
});
