import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_GENERATED_VALUE, TPM_ST } from '../constants/types.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { fail } from '../errors.js';
import { HashSequence } from '../objects/hashSequence.js';
import { PCR_ATTRIBUTES, localityBit } from '../pcr/pcrAttributes.js';
import { implement } from '../pipeline/handler.js';
import { EventSequenceComplete, Hash, HashSequenceStart, SequenceComplete, SequenceUpdate } from '../spec/hash.js';
import { nullTicket, type Ticket } from '../structures/tickets.js';
import type { Tpm } from '../tpm.js';
import { extendPcr } from './pcr.js';

/** The hash-check ticket (Part 3, 15.4): none for TPM_RH_NULL or data that begins with TPM_GENERATED_VALUE. */
function hashCheckTicket(tpm: Tpm, hierarchy: number, digest: Buffer, generated: boolean): Ticket {
  if (hierarchy === TPM_RH.NULL || generated) return nullTicket(TPM_RH.NULL);
  return { tag: TPM_ST.HASHCHECK, hierarchy, digest: tpm.ticketHmac(hierarchy, TPM_ST.HASHCHECK, digest) };
}

function sequenceAt(tpm: Tpm, handle: number): HashSequence {
  const obj = tpm.objects.get(handle);
  if (!(obj instanceof HashSequence)) throw fail(TPM_RC.MODE, 'not a sequence object');
  return obj;
}

export const hashCommand = implement(Hash, (tpm, { params }) => {
  const outHash = hash(params.hashAlg, params.data);
  const generated = params.data.length >= 4 && params.data.readUInt32BE(0) === TPM_GENERATED_VALUE;
  return { outHash, validation: hashCheckTicket(tpm, params.hierarchy, outHash, generated) };
});

export const hashSequenceStart = implement(HashSequenceStart, (tpm, { params }) => {
  const sequenceHandle = tpm.objects.add(new HashSequence(params.auth, params.hashAlg));
  return { sequenceHandle };
});

export const sequenceUpdate = implement(SequenceUpdate, (tpm, { handles, params }) => {
  sequenceAt(tpm, handles.sequenceHandle).update(params.buffer);
  return {};
});

export const sequenceComplete = implement(SequenceComplete, (tpm, { handles, params }) => {
  const seq = sequenceAt(tpm, handles.sequenceHandle);
  if (seq.isEvent) fail(TPM_RC.MODE, 'event sequences end with EventSequenceComplete');
  seq.update(params.buffer);
  const digest = seq.finish()[0]!.digest;
  tpm.objects.remove(handles.sequenceHandle);
  return { result: digest, validation: hashCheckTicket(tpm, params.hierarchy, digest, seq.startsWithGenerated) };
});

export const eventSequenceComplete = implement(EventSequenceComplete, (tpm, { handles, params, locality }) => {
  const seq = sequenceAt(tpm, handles.sequenceHandle);
  const pcr = handles.pcrHandle;
  if (pcr !== TPM_RH.NULL && !(PCR_ATTRIBUTES[pcr]!.extendLocality & localityBit(locality))) fail(TPM_RC.LOCALITY);
  if (!seq.isEvent) fail(TPM_RC.MODE, 'not an event sequence');
  seq.update(params.buffer);
  const results = seq.finish();
  tpm.objects.remove(handles.sequenceHandle);
  if (pcr !== TPM_RH.NULL) extendPcr(tpm, pcr, results);
  return { results };
});
