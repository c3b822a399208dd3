import { TPM_RC } from '../constants/rc.js';
import { TPM_RH } from '../constants/handles.js';
import { TpmError, fail } from '../errors.js';
import type { Ticket } from '../structures/tickets.js';
import type { Tpm } from '../tpm.js';
import type { AuthSession } from './authSession.js';
import { policyNow, timeEpoch } from './policyTime.js';

/** The MSb of a ticket's timeout says the ticket dies with the next TPM Reset (no nonceTPM bound it). */
export const EXPIRES_ON_RESET = 1n << 63n;

/** Which parameter gets the blame for each kind of failure (Part 3's RC_Policy*_* numbers). */
export interface Blame {
  readonly nonce?: number;
  readonly cpHash: number;
  readonly expiration: number;
}

/**
 * ComputeAuthTimeout (Part 3, 23.3/23.4): `expiration` seconds from the session's start when the
 * authorization names its nonceTPM, otherwise from TPM Time zero; 0n for none.
 */
export function authTimeout(tpm: Tpm, session: AuthSession, expiration: number, nonceTPM: Buffer): bigint {
  if (expiration === 0) return 0n;
  const seconds = BigInt(Math.abs(expiration));
  return nonceTPM.length === 0 ? seconds * 1000n + (policyNow(tpm) % 1000n) : session.startTime + seconds * 1000n;
}

/** PolicyParameterChecks: nonceTPM of this session, not yet expired, a cpHashA of the right size that agrees with any earlier one. */
export function checkPolicyParameters(tpm: Tpm, session: AuthSession, timeout: bigint, cpHashA: Buffer, nonceTPM: Buffer | null, blame: Blame): void {
  const p = session.policyState;
  if (nonceTPM && nonceTPM.length !== 0 && !nonceTPM.equals(session.nonceTPM)) throw new TpmError(TPM_RC.NONCE, 'nonceTPM is not this session\'s').forParameter(blame.nonce!);
  if (timeout !== 0n && (timeout < policyNow(tpm) || session.epoch !== timeEpoch(tpm))) throw new TpmError(TPM_RC.EXPIRED).forParameter(blame.expiration);
  if (cpHashA.length !== 0) {
    if (cpHashA.length !== p.digest.length) throw new TpmError(TPM_RC.SIZE, 'cpHashA is not a digest of the session hash').forParameter(blame.cpHash);
    if (p.boundDigest.length !== 0 && !p.boundDigest.equals(cpHashA)) fail(TPM_RC.CPHASH, 'the session is bound to another cpHash');
  }
}

/** PolicyContextUpdate's cpHash and timeout part: a non-empty cpHashA binds the session to that command. */
export function bindCpHashAndTimeout(session: AuthSession, cpHashA: Buffer, timeout: bigint): void {
  const p = session.policyState;
  if (cpHashA.length !== 0) {
    p.boundDigest = cpHashA;
    p.boundDigestKind = 'cpHash';
  }
  p.limitTimeout(timeout);
}

const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, v));
  return b;
};

/**
 * TPMT_TK_AUTH digest (Part 2, 10.7.5; the reference's TicketComputeAuth):
 * HMAC(proof, tag || cpHashA || policyRef || authName || timeout [|| epoch [|| resetCount]]).
 * Only this TPM checks it, with PolicyTicket.
 */
export function authTicketDigest(tpm: Tpm, tag: number, hierarchy: number, timeout: bigint, expiresOnReset: boolean, cpHashA: Buffer, policyRef: Buffer, authName: Buffer): Buffer {
  const parts = [cpHashA, policyRef, authName, u64(timeout)];
  if (timeout !== 0n) {
    parts.push(Buffer.from(timeEpoch(tpm), 'latin1'));
    if (expiresOnReset) parts.push(u64(BigInt(tpm.resetCount)));
  }
  return tpm.ticketHmac(hierarchy, tag, ...parts);
}

/** The timeout buffer and ticket PolicySigned / PolicySecret return: a real ticket only for a negative expiration outside trial sessions. */
export function authorizationTicket(
  tpm: Tpm,
  session: AuthSession,
  tag: number,
  hierarchy: number,
  expiration: number,
  timeout: bigint,
  nonceTPM: Buffer,
  cpHashA: Buffer,
  policyRef: Buffer,
  authName: Buffer,
): { timeout: Buffer; policyTicket: Ticket } {
  if (expiration >= 0 || session.isTrial) return { timeout: Buffer.alloc(0), policyTicket: { tag, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) } };
  const expiresOnReset = nonceTPM.length === 0;
  const digest = authTicketDigest(tpm, tag, hierarchy, timeout, expiresOnReset, cpHashA, policyRef, authName);
  return { timeout: u64(expiresOnReset ? timeout | EXPIRES_ON_RESET : timeout), policyTicket: { tag, hierarchy, digest } };
}
