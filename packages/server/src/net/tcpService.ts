import { createServer, type Server, type Socket } from 'node:net';

/** Loopback unless told otherwise: a TPM is not something to expose to the network by accident. */
export const DEFAULT_HOST = '127.0.0.1';

/** Serves one protocol session per accepted connection; it ends its socket when done. */
export type SessionHandler = (socket: Socket) => Promise<void>;

/**
 * One listening TCP port and its open connections, so that closing the service really ends
 * everything (a TPM server stopping must not leave clients hanging on half-dead sockets).
 */
export class TcpService {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private boundPort = 0;

  private constructor(
    readonly host: string,
    handler: SessionHandler,
  ) {
    // Half-open allowed: a client may send its command and shut its side; it still gets the answer.
    this.server = createServer({ allowHalfOpen: true }, (socket) => {
      // Clients often write a command in two parts; Nagle on either side only adds latency.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      // A session bug must cost one connection, never the process.
      handler(socket).catch(() => socket.destroy());
    });
  }

  /** Listens on host:port (0 = any free port); rejects with the listen error (EADDRINUSE ...). */
  static listen(host: string, port: number, handler: SessionHandler): Promise<TcpService> {
    const service = new TcpService(host, handler);
    return new Promise((resolve, reject) => {
      service.server.once('error', reject);
      service.server.listen({ host, port }, () => {
        service.server.off('error', reject);
        const address = service.server.address();
        service.boundPort = typeof address === 'object' && address ? address.port : port;
        resolve(service);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Stops listening and ends every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
