import { connect, type Socket } from 'node:net';

/**
 * A connected TCP socket, Nagle off. An error before the connection rejects; later errors are
 * left to whoever reads the socket (a failed socket closes, and the reader sees it end).
 */
export function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
