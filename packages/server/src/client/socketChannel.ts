import type { Socket } from 'node:net';
import { openSocket } from '../net/openSocket.js';
import { ByteReader } from '../stream/byteReader.js';

/**
 * A client connection that carries one request/answer exchange at a time: concurrent callers
 * queue, so answers can never be matched to the wrong request.
 */
export class SocketChannel {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reader: ByteReader;

  private constructor(private readonly socket: Socket) {
    this.reader = new ByteReader(socket);
  }

  /** Errors after connecting surface to callers through the reader. */
  static async open(host: string, port: number): Promise<SocketChannel> {
    return new SocketChannel(await openSocket(host, port));
  }

  /** Writes `request` and reads its answer with `readAnswer`, after every earlier exchange. */
  exchange<T>(request: Buffer, readAnswer: (r: ByteReader) => Promise<T>): Promise<T> {
    const run = async () => {
      this.socket.write(request);
      return readAnswer(this.reader);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the connection after queued exchanges; `farewell` is written last (e.g. SESSION_END). */
  async close(farewell?: Buffer): Promise<void> {
    await this.queue;
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      if (farewell) this.socket.end(farewell);
      else this.socket.end();
    });
  }
}
