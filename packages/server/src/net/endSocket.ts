import type { Socket } from 'node:net';

/**
 * Ends a server-side connection: what was written is flushed, then the socket is destroyed
 * without waiting for the peer's side to close (a client that never closes must not keep it).
 */
export function endSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end(() => socket.destroy());
}
