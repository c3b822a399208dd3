import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { TpmError } from '../errors.js';
import { HashSequence, ticketIsSafe } from '../objects/hashSequence.js';
import { hashCheckDigest } from '../objects/ticketDigests.js';
import { implement } from '../pipeline/handler.js';
import { EventSequenceComplete, Hash, HashSequenceStart, SequenceComplete, SequenceUpdate } from '../spec/hash.js';
import { nullTicket, type Ticket } from '../structures/tickets.js';
import type { Tpm } from '../tpm.js';
import { checkExtendAllowed, extendPcr } from './pcr.js';

/** The hash-check ticket (Part 3, 15.4): none for TPM_RH_NULL or data that begins with TPM_GENERATED_VALUE. */
function hashCheckTicket(tpm: Tpm, hierarchy: number, hashAlg: number, digest: Buffer, safe: boolean): Ticket {
  if (hierarchy === TPM_RH.NULL || !safe) return nullTicket(TPM_RH.NULL);
  return { tag: TPM_ST.HASHCHECK, hierarchy, digest: hashCheckDigest(tpm, hierarchy, hashAlg, digest) };
}

/** The hash or event sequence at a handle; anything else is TPM_RC_MODE for that handle. */
function sequenceAt(tpm: Tpm, handle: number, handleNumber: number, kind: 'hash' | 'event' | 'any'): HashSequence {
  const obj = tpm.objects.get(handle);
  const ok = obj instanceof HashSequence && (kind === 'any' || obj.isEvent === (kind === 'event'));
  if (!ok) throw new TpmError(TPM_RC.MODE, `not a ${kind === 'any' ? '' : kind + ' '}sequence object`).forHandle(handleNumber);
  return obj as HashSequence;
}

export const hashCommand = implement(Hash, (tpm, { params }) => {
  const outHash = hash(params.hashAlg, params.data);
  // TPM2_Hash refuses a ticket only for data that could be a TPMS_ATTEST; shorter data is fine (unlike sequences).
  const safe = params.data.length < 4 || ticketIsSafe(params.data);
  return { outHash, validation: hashCheckTicket(tpm, params.hierarchy, params.hashAlg, outHash, safe) };
});

export const hashSequenceStart = implement(HashSequenceStart, (tpm, { params }) => {
  const sequenceHandle = tpm.objects.add(new HashSequence(params.auth, params.hashAlg));
  return { sequenceHandle };
});

export const sequenceUpdate = implement(SequenceUpdate, (tpm, { handles, params }) => {
  sequenceAt(tpm, handles.sequenceHandle, 1, 'any').update(params.buffer);
  return {};
});

export const sequenceComplete = implement(SequenceComplete, (tpm, { handles, params }) => {
  const seq = sequenceAt(tpm, handles.sequenceHandle, 1, 'hash');
  seq.update(params.buffer);
  const digest = seq.finish()[0]!.digest;
  tpm.objects.remove(handles.sequenceHandle);
  return { result: digest, validation: hashCheckTicket(tpm, params.hierarchy, seq.hashAlg, digest, seq.ticketSafe) };
});

export const eventSequenceComplete = implement(EventSequenceComplete, (tpm, { handles, params, locality }) => {
  const seq = sequenceAt(tpm, handles.sequenceHandle, 2, 'event');
  const pcr = handles.pcrHandle;
  if (pcr !== TPM_RH.NULL) checkExtendAllowed(pcr, locality);
  seq.update(params.buffer);
  const results = seq.finish();
  tpm.objects.remove(handles.sequenceHandle);
  if (pcr !== TPM_RH.NULL) extendPcr(tpm, pcr, results);
  return { results };
});
