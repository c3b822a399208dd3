import { randomBytes } from 'node:crypto';
import { decodeHandshake, encodeHandshake, HANDSHAKE, ProtocolError } from '../handshake/handshakeMessages.js';
import { resolutionMac, resolutionMacValid } from './resolutionKey.js';

/**
 * Questions about an in-doubt migration, asked on an authenticated daemon connection (first frame
 * HANDSHAKE.resolve instead of hello), one question per connection:
 * - 'outcome' (destination to source): did you decide commit for this epoch? -> commit | abort
 * - 'status' (source to destination): where do you stand? -> committed | prepared | unknown
 * - 'commit' (source to destination): the decision is commit, apply it -> committed | unknown
 * Both carry a nonce and a MAC under the migration's resolution key (see resolutionKey.ts).
 */
export type ResolveQuestion = 'outcome' | 'status' | 'commit';
export type ResolveAnswer = 'commit' | 'abort' | 'committed' | 'prepared' | 'unknown';

/** The answers that could make a VM run or be dropped for good: they count only with a valid MAC. */
export const ANSWERS_NEEDING_PROOF: readonly ResolveAnswer[] = ['commit', 'committed', 'prepared'];
const QUESTIONS: readonly ResolveQuestion[] = ['outcome', 'status', 'commit'];
const ANSWERS: readonly ResolveAnswer[] = ['commit', 'abort', 'committed', 'prepared', 'unknown'];

export interface ResolveMessage {
  vmId: string;
  epoch: string;
  question: ResolveQuestion;
  nonce: string;
  mac?: string;
}

export interface ResolutionMessage {
  vmId: string;
  epoch: string;
  answer: ResolveAnswer;
  mac?: string;
}

const questionFields = (m: Omit<ResolveMessage, 'mac'>) => ['question', m.vmId, m.epoch, m.question, m.nonce];
const answerFields = (q: ResolveMessage, answer: string) => ['answer', q.vmId, q.epoch, q.question, q.nonce, answer];

export function encodeQuestion(vmId: string, epoch: bigint, question: ResolveQuestion, key: Buffer): { frame: Buffer; message: ResolveMessage } {
  const m = { vmId, epoch: epoch.toString(), question, nonce: randomBytes(16).toString('base64') };
  const message: ResolveMessage = { ...m, mac: resolutionMac(key, ...questionFields(m)) };
  return { frame: encodeHandshake(HANDSHAKE.resolve, message), message };
}

/** A well-formed question, or a ProtocolError naming what is wrong with it. */
export function decodeQuestion(frame: Buffer): ResolveMessage {
  const q = decodeHandshake<ResolveMessage>(frame, HANDSHAKE.resolve, ['vmId', 'epoch', 'question', 'nonce']);
  if (!QUESTIONS.includes(q.question)) throw new ProtocolError(`resolve question ${JSON.stringify(q.question)} is not one of ${QUESTIONS.join(', ')}`);
  if (!/^[0-9]{1,20}$/.test(q.epoch)) throw new ProtocolError(`resolve epoch ${JSON.stringify(q.epoch)} is not a decimal counter value`);
  return q;
}

export const questionProven = (q: ResolveMessage, key: Buffer | undefined) => resolutionMacValid(key, q.mac, ...questionFields(q));

/** The answer frame; MACed when the responder knows the migration's key. */
export function encodeAnswer(q: ResolveMessage, answer: ResolveAnswer, key: Buffer | undefined): Buffer {
  return encodeHandshake(HANDSHAKE.resolution, { vmId: q.vmId, epoch: q.epoch, answer, ...(key ? { mac: resolutionMac(key, ...answerFields(q, answer)) } : {}) } satisfies ResolutionMessage);
}

/** The answer to `q`, refused (ProtocolError) when it is malformed, about something else, or claims a commit without the MAC to prove it. */
export function decodeAnswer(frame: Buffer, q: ResolveMessage, key: Buffer): ResolveAnswer {
  const a = decodeHandshake<ResolutionMessage>(frame, HANDSHAKE.resolution, ['vmId', 'epoch', 'answer']);
  if (a.vmId !== q.vmId || a.epoch !== q.epoch) throw new ProtocolError(`the answer is about ${a.vmId} epoch ${a.epoch}, the question was about ${q.vmId} epoch ${q.epoch}`);
  if (!ANSWERS.includes(a.answer)) throw new ProtocolError(`resolve answer ${JSON.stringify(a.answer)} is not one of ${ANSWERS.join(', ')}`);
  if (ANSWERS_NEEDING_PROOF.includes(a.answer) && !resolutionMacValid(key, a.mac, ...answerFields(q, a.answer))) {
    throw new ProtocolError(`the answer '${a.answer}' about ${q.vmId} epoch ${q.epoch} does not carry this migration's MAC: not from the host that took part in it`);
  }
  return a.answer;
}
