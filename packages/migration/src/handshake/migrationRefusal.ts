import { encodeHandshake, HANDSHAKE } from './handshakeMessages.js';
import type { FramedSocket } from '../wire/framedSocket.js';

/** This host refused the migration (the peer got a refusal frame with the same reason and message). */
export class MigrationRefusedError extends Error {
  override name = 'MigrationRefusedError';
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** Sends a refusal frame (best effort) and throws it as MigrationRefusedError. */
export async function refuseMigration(socket: FramedSocket, reason: string, message: string): Promise<never> {
  await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason, message })).catch(() => undefined);
  throw new MigrationRefusedError(reason, message);
}
