import { encodeHandshake, HANDSHAKE, ProtocolError } from '../handshake/handshakeMessages.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';
import { answerQuestion, UnprovenQuestionError } from './answerQuestion.js';
import { decodeQuestion, encodeAnswer } from './resolveMessages.js';

/**
 * Answers the question in `frame` (the first frame after authentication was a resolve) on
 * `socket`, or sends a refusal naming what was wrong with it. Never throws for a bad question.
 */
export async function serveQuestion(host: VmHost, socket: FramedSocket, frame: Buffer): Promise<void> {
  const refuse = (reason: string, message: string) => socket.send(encodeHandshake(HANDSHAKE.refusal, { reason, message })).catch(() => undefined);
  try {
    const question = decodeQuestion(frame);
    const { answer, key } = await answerQuestion(host, question);
    await socket.send(encodeAnswer(question, answer, key));
  } catch (e) {
    if (e instanceof ProtocolError) await refuse('bad-question', `bad-question: ${e.message}`);
    else if (e instanceof UnprovenQuestionError) await refuse('not-a-participant', `not-a-participant: ${e.message}`);
    else await refuse('resolve-failed', `resolve-failed: ${(e as Error).message}`);
  } finally {
    socket.socket.end(); // flushes the answer first (close() would drop it)
  }
}
