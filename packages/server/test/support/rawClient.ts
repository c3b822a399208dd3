import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSocket } from '../../src/net/openSocket.js';
import { ByteReader } from '../../src/stream/byteReader.js';

/** Bytes from hex, spaces allowed: hex('8001 0000000c'). */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/**
 * A test client that writes exactly the bytes (and TCP writes) a test asks for and reads the raw
 * answer, to check a server's framing the way a real client would meet it.
 */
export class RawClient {
  private readonly reader: ByteReader;
  /** Resolves when the server ends the connection. */
  readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.reader = new ByteReader(socket);
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new RawClient(await openSocket(host, port));
  }

  /** One TCP write per argument, with a pause between them so they travel as separate segments. */
  async write(...parts: (string | Buffer)[]): Promise<void> {
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) await sleep(15);
      const p = parts[i]!;
      this.socket.write(typeof p === 'string' ? hex(p) : p);
    }
  }

  /** Exactly n bytes of answer, as hex; fails after `ms`. */
  async read(n: number, ms = 2000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${n}-byte answer within ${ms} ms (${this.reader.available} bytes arrived)`)), ms)));
    try {
      return (await Promise.race([this.reader.read(n), timeout])).toString('hex');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whatever arrived within `ms`, as hex (for checking that nothing more came). */
  async drain(ms = 100): Promise<string> {
    await sleep(ms);
    return this.reader.takeAvailable().toString('hex');
  }

  /** Resolves true when the server closed the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.ended.then(() => true), sleep(ms).then(() => false)]);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The raw clients a test opened, closed together after it. */
export class RawClients {
  private readonly open: RawClient[] = [];

  async connect(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    this.open.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.close();
  }
}
