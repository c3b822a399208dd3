import { TPM_CC } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { implement } from '../pipeline/handler.js';
import { entityHierarchy } from '../sessions/entity.js';
import { policySessionAt } from '../sessions/policySessionAt.js';
import { isTicketHierarchy } from '../sessions/ticketHierarchy.js';
import { EXPIRES_ON_RESET, authTicketDigest, authTimeout, authorizationTicket, bindCpHashAndTimeout, checkPolicyParameters } from '../sessions/policyTickets.js';
import { PolicySecret, PolicySigned, PolicyTicket } from '../spec/policy.js';
import { checkSignature } from '../crypto/signatures.js';
import { hash, isHashAlgorithm } from '../crypto/hashAlgorithms.js';
import { TpmKey } from '../objects/tpmKey.js';
import { signatureHash } from '../structures/signature.js';

/**
 * Part 3, 23.4: the authorization of authHandle (checked by the pipeline, in this same command)
 * satisfies the policy: policyDigest is updated with the entity's Name and policyRef. With a
 * negative expiration a real session also gets a ticket that PolicyTicket accepts later.
 */
export const policySecret = implement(PolicySecret, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const { nonceTPM, cpHashA, policyRef, expiration } = params;
  let timeout = 0n;
  if (!session.isTrial) {
    timeout = authTimeout(tpm, session, expiration, nonceTPM);
    checkPolicyParameters(tpm, session, timeout, cpHashA, nonceTPM, { nonce: 1, cpHash: 2, expiration: 4 });
  }
  const name = tpm.nameOf(handles.authHandle);
  policy.update(TPM_CC.PolicySecret, name, policyRef);
  bindCpHashAndTimeout(session, cpHashA, timeout);
  return authorizationTicket(tpm, session, TPM_ST.AUTH_SECRET, entityHierarchy(tpm, handles.authHandle), expiration, timeout, nonceTPM, cpHashA, policyRef, name);
});

const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};

/**
 * Part 3, 23.3: a signature by authObject over aHash = H_sigHash(nonceTPM || expiration || cpHashA
 * || policyRef) satisfies the policy (checked only outside trial sessions); policyDigest is updated
 * with the key's Name and policyRef. A negative expiration earns a ticket for PolicyTicket.
 */
export const policySigned = implement(PolicySigned, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const { nonceTPM, cpHashA, policyRef, expiration, auth } = params;
  let timeout = 0n;
  if (!session.isTrial) {
    timeout = authTimeout(tpm, session, expiration, nonceTPM);
    checkPolicyParameters(tpm, session, timeout, cpHashA, nonceTPM, { nonce: 1, cpHash: 2, expiration: 4 });
    const sigHash = signatureHash(auth);
    if (!isHashAlgorithm(sigHash)) throw new TpmError(TPM_RC.SCHEME, 'signature without a hash').forParameter(5);
    const aHash = hash(sigHash, nonceTPM, i32(expiration), cpHashA, policyRef);
    const key = tpm.objectAt(handles.authObject);
    const rc = key instanceof TpmKey ? checkSignature(key, aHash, auth) : TPM_RC.SCHEME;
    if (rc !== TPM_RC.SUCCESS) throw new TpmError(rc, 'authorization signature does not verify').forParameter(5);
  }
  const name = tpm.nameOf(handles.authObject);
  policy.update(TPM_CC.PolicySigned, name, policyRef);
  bindCpHashAndTimeout(session, cpHashA, timeout);
  return authorizationTicket(tpm, session, TPM_ST.AUTH_SIGNED, entityHierarchy(tpm, handles.authObject), expiration, timeout, nonceTPM, cpHashA, policyRef, name);
});

/**
 * Part 3, 23.5: a ticket from an earlier PolicySigned or PolicySecret stands in for it, as long as
 * it has not expired. Trial sessions cannot use tickets (TPM_RC_ATTRIBUTES for the session handle).
 */
export const policyTicket = implement(PolicyTicket, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  if (!isTicketHierarchy(params.ticket.hierarchy)) throw new TpmError(TPM_RC.VALUE, 'ticket hierarchy').forParameter(5);
  if (session.isTrial) throw new TpmError(TPM_RC.ATTRIBUTES, 'a trial session cannot use a ticket').forHandle(1);
  if (params.timeout.length !== 8) throw new TpmError(TPM_RC.SIZE, 'timeout is not a ticket timeout').forParameter(1);
  const raw = params.timeout.readBigUInt64BE(0);
  const expiresOnReset = (raw & EXPIRES_ON_RESET) !== 0n;
  const timeout = raw & ~EXPIRES_ON_RESET;
  checkPolicyParameters(tpm, session, timeout, params.cpHashA, null, { cpHash: 2, expiration: 1 });
  const { ticket, cpHashA, policyRef, authName } = params;
  const expected = authTicketDigest(tpm, ticket.tag, ticket.hierarchy, timeout, expiresOnReset, cpHashA, policyRef, authName);
  if (!expected.equals(ticket.digest)) throw new TpmError(TPM_RC.TICKET, 'ticket does not verify').forParameter(5);
  policy.update(ticket.tag === TPM_ST.AUTH_SIGNED ? TPM_CC.PolicySigned : TPM_CC.PolicySecret, authName, policyRef);
  bindCpHashAndTimeout(session, cpHashA, timeout);
  return {};
});
