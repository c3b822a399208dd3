import type { Socket } from 'node:net';

/** The peer closed the connection (or it failed) before the bytes a read waits for arrived. */
export class StreamEnded extends Error {
  constructor(override readonly cause?: unknown) {
    super('connection closed');
    this.name = 'StreamEnded';
  }
}

/** A frame that had started did not complete in time. */
export class FrameTimeout extends Error {
  constructor(readonly ms: number) {
    super(`incomplete frame for ${ms} ms`);
    this.name = 'FrameTimeout';
  }
}

/** Above this many unread bytes the socket is paused, so a client that never reads cannot fill memory. */
const HIGH_WATER = 4 * 1024 * 1024;

interface PendingRead {
  n: number;
  consume: boolean;
  resolve(bytes: Buffer): void;
  reject(e: Error): void;
}

/**
 * Pull-style reading of exact byte counts from a socket, however the peer split its writes:
 * protocols read like the reference C servers (`read 4 bytes, then size bytes`) and reassemble by
 * size, never by TCP segment.
 *
 * Frame deadline: from the first byte of a frame until `frameDone()`, the frame must complete
 * within `frameTimeoutMs` (0 = no limit), else the pending read fails with FrameTimeout. Waiting
 * for the first byte of the next frame is never limited (idle connections are fine).
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: PendingRead | null = null;
  private failure: Error | null = null;
  private frameOpen = false;
  private frameTimer: NodeJS.Timeout | null = null;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    private frameTimeoutMs = 0,
  ) {
    socket.on('data', (d: Buffer) => this.push(d));
    socket.on('end', () => this.fail(new StreamEnded()));
    socket.on('close', () => this.fail(new StreamEnded()));
    socket.on('error', (e) => this.fail(new StreamEnded(e)));
  }

  /** Unread bytes that have arrived. */
  get available(): number {
    return this.buffered;
  }

  /** Exactly `n` bytes, consumed. */
  read(n: number): Promise<Buffer> {
    return this.request(n, true);
  }

  /** Exactly `n` bytes, left unread. */
  peek(n: number): Promise<Buffer> {
    return this.request(n, false);
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }

  async u32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  /** Whatever has arrived and is unread, consumed (possibly empty). */
  takeAvailable(): Buffer {
    return this.take(this.buffered);
  }

  /** The current frame is complete: stop its clock; bytes already here start the next frame's. */
  frameDone(): void {
    this.stopFrameClock();
    if (this.buffered > 0) this.startFrameClock();
  }

  /** Give the rest of the current frame `ms` from now (a long payload follows a short header). */
  extendFrame(ms: number): void {
    this.stopFrameClock();
    this.startFrameClock(ms);
  }

  private request(n: number, consume: boolean): Promise<Buffer> {
    if (this.pending) return Promise.reject(new Error('ByteReader: one read at a time'));
    if (this.buffered >= n) return Promise.resolve(consume ? this.take(n) : this.peekBytes(n));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { n, consume, resolve, reject };
      if (this.paused) this.resume(); // the read needs more than the buffer holds
    });
  }

  private push(d: Buffer): void {
    if (d.length === 0) return;
    this.chunks.push(d);
    this.buffered += d.length;
    if (!this.frameOpen) this.startFrameClock();
    const p = this.pending;
    if (p && this.buffered >= p.n) {
      this.pending = null;
      p.resolve(p.consume ? this.take(p.n) : this.peekBytes(p.n));
    }
    if (this.buffered > HIGH_WATER && !this.pending && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private take(n: number): Buffer {
    const out = this.peekBytes(n);
    this.drop(n);
    if (this.paused && this.buffered < HIGH_WATER / 2) this.resume();
    return out;
  }

  private peekBytes(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    // Join just the chunks that cover n bytes, so a long backlog is not copied again on every read.
    let count = 0;
    for (let covered = 0; covered < n; count++) covered += this.chunks[count]!.length;
    const joined = Buffer.concat(this.chunks.slice(0, count));
    this.chunks.splice(0, count, joined);
    return joined.subarray(0, n);
  }

  private drop(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        this.chunks.shift();
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  private fail(e: Error): void {
    this.stopFrameClock();
    this.failure ??= e;
    const p = this.pending;
    if (p) {
      this.pending = null;
      p.reject(this.failure);
    }
  }

  private startFrameClock(ms = this.frameTimeoutMs): void {
    this.frameOpen = true;
    if (ms <= 0 || this.failure) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = null;
      // Only a read still waiting for this frame's bytes has timed out.
      if (this.pending) this.fail(new FrameTimeout(ms));
    }, ms);
    this.frameTimer.unref?.();
  }

  private stopFrameClock(): void {
    this.frameOpen = false;
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }
}
