import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner, isAnonymous } from '../attestation/signer.js';
import { implement } from '../pipeline/handler.js';
import { Certify, CertifyCreation } from '../spec/attestation.js';
import { TpmKey } from '../objects/tpmKey.js';

/** The hierarchies a creation ticket may name (TPMI_RH_HIERARCHY+). */
const TICKET_HIERARCHIES = new Set<number>([TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL]);

/**
 * TPM2_Certify (Part 3, 18.2): the TPM vouches that an object with this Name (and qualified Name) is
 * loaded in it. Anonymous schemes leave the qualified Name out, which would correlate keys.
 */
export const certify = implement(Certify, (tpm, { handles, params }) => {
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 2, 2);
  const object = tpm.objectAt(handles.objectHandle);
  // any loaded object: sequences have an empty Name and qualified Name, as in the reference
  const qualifiedName = object instanceof TpmKey && !isAnonymous(signer) ? object.qualifiedName : Buffer.alloc(0);
  const attested = { name: object.name(handles.objectHandle), qualifiedName };
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_CERTIFY, attested);
  return { certifyInfo: attest, signature };
});

/**
 * TPM2_CertifyCreation (Part 3, 18.3): the TPM vouches that it created the object with this
 * creationHash, proven by the creation ticket HMAC(proof, TPM_ST_CREATION || name || creationHash)
 * it gave out then (TPM_RC_TICKET when it does not match).
 */
export const certifyCreation = implement(CertifyCreation, (tpm, { handles, params }) => {
  const { creationHash, creationTicket } = params;
  // TPMI_RH_HIERARCHY+ is an unmarshalling check, so before the command's own
  if (!TICKET_HIERARCHIES.has(creationTicket.hierarchy)) throw new TpmError(TPM_RC.VALUE, 'ticket hierarchy').forParameter(4);
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 1, 3);
  // any object: a sequence has an empty Name, for which no ticket matches
  const objectName = tpm.objectAt(handles.objectHandle).name(handles.objectHandle);
  const expected = tpm.ticketHmac(creationTicket.hierarchy, TPM_ST.CREATION, objectName, creationHash);
  if (!expected.equals(creationTicket.digest)) throw new TpmError(TPM_RC.TICKET, 'no creation ticket for this object and creationHash').forParameter(4);
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_CREATION, { objectName, creationHash });
  return { certifyInfo: attest, signature };
});
