import { authenticateChannel } from '../auth/channelAuth.js';
import { serveQuestion } from '../commit/serveQuestion.js';
import { HANDSHAKE } from '../handshake/handshakeMessages.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';
import { receiveMigration, type ReceiveOptions } from './receiveMigration.js';

/**
 * One connection to a host's migration listener: the peer daemon authenticates first, then its
 * first frame says why it came: a hello (a migration into this host) or a resolve (a question
 * about an in-doubt migration). Resolves with which it was; a failed migration rejects.
 */
export async function acceptConnection(target: VmHost, socket: FramedSocket, options: ReceiveOptions, named: (vmId: string) => void): Promise<'migration' | 'question'> {
  const peer = await authenticateChannel(socket, options.auth, 'responder', options.timeoutMs);
  const first = await socket.next(options.timeoutMs);
  if (first[0] === HANDSHAKE.resolve) {
    await serveQuestion(target, socket, first);
    return 'question';
  }
  await receiveMigration(target, socket, { ...options, authenticated: { peer, helloFrame: first } }, named);
  return 'migration';
}
