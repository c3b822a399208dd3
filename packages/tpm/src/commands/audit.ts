import { TPM_RC } from '../constants/rc.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError, fail } from '../errors.js';
import { signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner } from '../attestation/signer.js';
import { implement } from '../pipeline/handler.js';
import { GetCommandAuditDigest, SetCommandCodeAuditStatus } from '../spec/audit.js';
import { IMPLEMENTED_COMMANDS } from '../pipeline/execute.js';

/**
 * TPM2_GetCommandAuditDigest (Part 3, 18.6): the command audit digest, counter and hash, and a digest
 * of the list of audited commands. A signed report starts a new audit digest with the next audited
 * command; an unsigned one (TPM_RH_NULL) leaves the log running.
 */
export const getCommandAuditDigest = implement(GetCommandAuditDigest, (tpm, { handles, params }) => {
  const audit = tpm.commandAudit;
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 2, 2);
  const attested = { auditCounter: audit.counter, digestAlg: audit.hashAlg, auditDigest: audit.digest, commandDigest: audit.commandDigest() };
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_COMMAND_AUDIT, attested);
  if (handles.signHandle !== TPM_RH.NULL) audit.restart();
  return { auditInfo: attest, signature };
});

/**
 * TPM2_SetCommandCodeAuditStatus (Part 3, 21.2): either a new audit hash (with both lists empty,
 * TPM_RC_VALUE otherwise) or commands added to and removed from the audited list. Unimplemented
 * commands and Shutdown are never audited; SetCommandCodeAuditStatus always is.
 */
export const setCommandCodeAuditStatus = implement(SetCommandCodeAuditStatus, (tpm, { params }) => {
  const audit = tpm.commandAudit;
  const { auditAlg, setList, clearList } = params;
  if (!tpm.platform.nvAvailable) fail(TPM_RC.NV_UNAVAILABLE);
  if (auditAlg !== TPM_ALG.NULL && auditAlg !== audit.hashAlg) {
    if (setList.length !== 0 || clearList.length !== 0) throw new TpmError(TPM_RC.VALUE, 'a new audit hash and list changes at once').forParameter(1);
    audit.changeHash(auditAlg);
    return {};
  }
  const implemented = new Set(IMPLEMENTED_COMMANDS.map((c) => c.spec.code));
  for (const cc of setList) audit.set(cc, implemented.has(cc));
  for (const cc of clearList) audit.clear(cc);
  return {};
});
