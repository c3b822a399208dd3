import type { Socket } from 'node:net';

/**
 * Writes one frame in a single write (so it leaves in one segment with TCP_NODELAY) and, when the
 * peer is not reading and the socket's buffer is full, waits until it drains or the socket closes.
 */
export function writeFrame(socket: Socket, frame: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  if (socket.write(frame)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
