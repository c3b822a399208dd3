import { Agent } from 'node:http';
import { createConnection, type NetConnectOpts, type Socket } from 'node:net';

/** An HTTP agent whose sockets keep a copy of every octet sent and received: the test's wire tap. */
export class RecordingAgent extends Agent {
  readonly traffic: Buffer[] = [];

  override createConnection(options: object, callback?: (err: Error | null, socket: Socket) => void): Socket {
    const socket = createConnection(options as NetConnectOpts);
    socket.on('data', (d: Buffer) => this.traffic.push(Buffer.from(d)));
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      this.traffic.push(Buffer.from(chunk as Uint8Array | string));
      return write(chunk, ...rest);
    }) as Socket['write'];
    void callback;
    return socket;
  }

  all(): Buffer {
    return Buffer.concat(this.traffic);
  }
}
