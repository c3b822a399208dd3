import { connect } from 'node:net';
import type { ChannelAuth } from '../auth/channelAuth.js';
import { authenticateChannel } from '../auth/channelAuth.js';
import { FramedSocket } from '../wire/framedSocket.js';
import { parseAddress } from '../wire/address.js';
import { decodeAnswer, encodeQuestion, type ResolveAnswer, type ResolveQuestion } from './resolveMessages.js';

export interface AskOptions {
  auth: ChannelAuth;
  timeoutMs?: number;
}

/** Asks the daemon at `address` one question about a migration (new connection, authenticated first). Rejects when it is unreachable or answers nonsense. */
export async function askPeer(address: string, vmId: string, epoch: bigint, question: ResolveQuestion, resolutionKey: Buffer, options: AskOptions): Promise<ResolveAnswer> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const socket = new FramedSocket(connect(parseAddress(address)));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.socket.once('connect', resolve);
      socket.socket.once('error', reject);
    });
    await authenticateChannel(socket, options.auth, 'initiator', timeoutMs);
    const { frame, message } = encodeQuestion(vmId, epoch, question, resolutionKey);
    await socket.send(frame);
    return decodeAnswer(await socket.next(timeoutMs), message, resolutionKey);
  } finally {
    socket.close();
  }
}
