import type { Socket } from 'node:net';

/** Largest frame either side accepts: a page record is ~4 KiB, the handshake a few KiB; anything bigger is an attack or a bug. */
export const MAX_FRAME_BYTES = 1 << 20;

export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

/**
 * Length-prefixed frames (u32 BE length | payload) over a TCP socket, read one at a time with a
 * timeout. A closed, reset or silent connection rejects the pending read, which is what turns a
 * cut cable into an abort rather than a hang.
 */
export class FramedSocket {
  /** Bytes received and not yet framed, as the chunks they came in (joined once per frame, not per chunk). */
  private chunks: Buffer[] = [];
  private pending = 0;
  private readonly frames: Buffer[] = [];
  private waiter?: { resolve: (f: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new ConnectionLostError(`connection failed: ${e.message}`)));
    socket.on('close', () => this.fail(new ConnectionLostError('connection closed by the peer')));
  }

  /** Queues one frame; resolves once the socket accepted it (waits for drain under backpressure). */
  async send(payload: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length);
    const flushed = this.socket.write(Buffer.concat([header, payload]));
    if (!flushed) await new Promise<void>((resolve, reject) => {
      const onDrain = () => { this.socket.off('close', onClose); resolve(); };
      const onClose = () => { this.socket.off('drain', onDrain); reject(this.failure ?? new ConnectionLostError('connection closed while sending')); };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  next(timeoutMs: number): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = undefined; reject(new ConnectionLostError(`no message from the peer within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiter = {
        resolve: (f) => { clearTimeout(timer); resolve(f); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.pending += chunk.length;
    while (this.pending >= 4) {
      const length = this.take(4, false).readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) return this.fail(new ConnectionLostError(`peer sent a ${length}-byte frame (limit ${MAX_FRAME_BYTES})`), true);
      if (this.pending < 4 + length) return;
      const frame = this.take(4 + length, true).subarray(4);
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w.resolve(frame);
      else this.frames.push(frame);
    }
  }

  /** The first `n` pending bytes (one copy only when they span chunks), consumed or left in place. */
  private take(n: number, consume: boolean): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      let count = 0;
      for (let covered = 0; covered < n; count++) covered += this.chunks[count]!.length;
      first = Buffer.concat(this.chunks.slice(0, count));
      this.chunks.splice(0, count, first);
    }
    if (!consume) return first.subarray(0, n);
    this.pending -= n;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }

  private fail(error: Error, destroy = false): void {
    this.failure ??= error;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
    if (destroy) this.socket.destroy();
  }
}
