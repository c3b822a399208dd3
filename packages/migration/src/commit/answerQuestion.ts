import type { VmHost } from '../vmHost.js';
import { commitIncoming } from './destinationCommit.js';
import { questionProven, type ResolveAnswer, type ResolveMessage } from './resolveMessages.js';

export interface AnswerWithKey {
  answer: ResolveAnswer;
  /** The migration's resolution key when this host knows it (the answer is MACed with it). */
  key?: Buffer;
}

/** A question whose MAC does not verify under the key this host holds for that migration. */
export class UnprovenQuestionError extends Error {
  override name = 'UnprovenQuestionError';
}

const unproven = (q: ResolveMessage) => new UnprovenQuestionError(`the question '${q.question}' about ${q.vmId} epoch ${q.epoch} does not carry that migration's MAC: the asker did not take part in it`);

/** What this host answers to a question about one of its migrations (see resolveMessages.ts). */
export function answerQuestion(host: VmHost, q: ResolveMessage): Promise<AnswerWithKey> {
  if (q.question === 'outcome') return answerOutcome(host, q);
  if (q.question === 'status') return Promise.resolve(answerStatus(host, q));
  return applyCommit(host, q);
}

/**
 * As the source: 'commit' once the decision is durable; otherwise 'abort' (presumed abort). A
 * proven question about the attempt still in flight settles it as aborted, so a decision can no
 * longer follow the answer. Serialized with decideCommit, so the answer never precedes a decision
 * being written.
 */
function answerOutcome(source: VmHost, q: ResolveMessage): Promise<AnswerWithKey> {
  const epoch = BigInt(q.epoch);
  return source.exclusive(q.vmId, async () => {
    const outgoing = source.outgoing.get(q.vmId);
    if (outgoing && outgoing.epoch === epoch) {
      if (!questionProven(q, outgoing.resolutionKey)) throw unproven(q);
      return { answer: 'commit', key: outgoing.resolutionKey };
    }
    const attempt = source.attempts.get(q.vmId);
    if (attempt && attempt.epoch === epoch) {
      if (!questionProven(q, attempt.resolutionKey)) throw unproven(q);
      attempt.abortedByQuestion = true;
      return { answer: 'abort', key: attempt.resolutionKey };
    }
    return { answer: 'abort' };
  });
}

/** As the destination: committed (the epoch or a later one accepted), prepared (durable, waiting), or unknown (never prepared, or dropped). */
function answerStatus(target: VmHost, q: ResolveMessage): AnswerWithKey {
  const epoch = BigInt(q.epoch);
  if ((target.acceptedEpochs.get(q.vmId) ?? 0n) >= epoch) {
    const key = target.acceptedEpochs.get(q.vmId) === epoch ? target.acceptedResolutionKeys.get(q.vmId) : undefined;
    return { answer: 'committed', ...(key ? { key } : {}) };
  }
  const incoming = target.incoming.get(q.vmId);
  if (incoming && incoming.epoch === epoch) return { answer: 'prepared', key: incoming.resolutionKey };
  return { answer: 'unknown' };
}

/** As the destination, told by the source that the decision is commit: apply it (idempotent). */
async function applyCommit(target: VmHost, q: ResolveMessage): Promise<AnswerWithKey> {
  const epoch = BigInt(q.epoch);
  const incoming = target.incoming.get(q.vmId);
  if (incoming && incoming.epoch === epoch) {
    if (!questionProven(q, incoming.resolutionKey)) throw unproven(q);
    await commitIncoming(target, q.vmId).catch((e: unknown) => {
      if (target.acceptedEpochs.get(q.vmId) !== epoch) throw e; // committed meanwhile by another path: fine
    });
  }
  return answerStatus(target, { ...q, question: 'status' });
}
