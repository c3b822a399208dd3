import { connect } from 'node:net';
import {
  authenticateChannel, FramedSocket, HANDSHAKE, runSourceHandshake,
  type ChannelAuth, type Hello, type MigrationPolicy, type SecureStream,
} from '../../src/index.js';
import { parseAddress } from '../../src/wire/address.js';

/**
 * A hostile or broken peer of a host daemon's migration listener: raw bytes, frames after a real
 * channel authentication, or records after a complete handshake. Every helper waits for the
 * daemon to end the connection and fails if it holds it longer than `limitMs`.
 */

const dial = (address: string) => connect(parseAddress(address));

/** One length-prefixed frame as the wire carries it. */
export const frameBytes = (payload: Buffer, length = payload.length): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return Buffer.concat([header, payload]);
};

/** Splits what the daemon sent into frames; a trailing partial frame is an error (the daemon only sends whole frames). */
export function splitFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (bytes.length - at < 4) throw new Error(`the daemon sent ${bytes.length - at} stray octets`);
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) throw new Error(`the daemon sent a cut frame (${length} octets announced)`);
    frames.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return frames;
}

/** The reason of a refusal frame, undefined for any other frame. */
export function refusalReason(frame: Buffer): string | undefined {
  if (frame[0] !== HANDSHAKE.refusal) return undefined;
  const body = JSON.parse(frame.subarray(1).toString()) as { reason: string; message: string };
  if (typeof body.reason !== 'string' || typeof body.message !== 'string' || !body.message) throw new Error(`a refusal without reason and message: ${frame.subarray(1).toString()}`);
  return body.reason;
}

export interface RawExchange {
  /** Frames the daemon sent before it closed the connection. */
  frames: Buffer[];
  /** Milliseconds from connecting until the daemon closed the connection. */
  closedAfterMs: number;
}

/**
 * Connects, writes `chunks` (`intervalMs` apart), half-closes if `end` (as a peer that gave up),
 * and collects what the daemon sends until it closes the connection; rejects if it has not
 * closed within `limitMs`.
 */
export function rawExchange(address: string, chunks: Buffer[], options: { end: boolean; limitMs: number; intervalMs?: number }): Promise<RawExchange & { chunksSent: number }> {
  return new Promise((resolve, reject) => {
    const socket = dial(address);
    const started = performance.now();
    const received: Buffer[] = [];
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`the daemon held a connection for ${options.limitMs} ms after ${sent} of ${chunks.length} chunks`));
    }, options.limitMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined); // a reset is a way of closing too
    socket.on('close', () => {
      clearTimeout(limit);
      clearTimeout(timer);
      try {
        resolve({ frames: splitFrames(Buffer.concat(received)), closedAfterMs: performance.now() - started, chunksSent: sent });
      } catch (e) {
        reject(e as Error);
      }
    });
    const sendNext = () => {
      if (socket.destroyed) return;
      if (sent === chunks.length) {
        if (options.end) socket.end();
        return;
      }
      socket.write(chunks[sent++]!);
      timer = setTimeout(sendNext, options.intervalMs ?? 0);
    };
    socket.once('connect', sendNext);
  });
}

/** A connection on which this peer authenticated to the daemon's listener (as a source would). */
export async function authenticatedPeer(address: string, auth: ChannelAuth, timeoutMs = 3000): Promise<FramedSocket> {
  const socket = new FramedSocket(dial(address));
  try {
    await authenticateChannel(socket, auth, 'initiator', timeoutMs);
  } catch (e) {
    socket.close();
    throw e;
  }
  return socket;
}

/**
 * The frames the daemon sends on `socket` until it closes it; stops early (and closes) at the first
 * frame `stopAt` accepts. Rejects if the daemon neither closes nor sends within `limitMs`.
 */
export async function repliesUntilClose(socket: FramedSocket, limitMs: number, stopAt?: (frame: Buffer) => boolean): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  for (;;) {
    let frame: Buffer;
    try {
      frame = await socket.next(limitMs);
    } catch (e) {
      if (/within/.test((e as Error).message)) throw new Error(`the daemon held the connection for ${limitMs} ms without a word (after ${frames.length} frames)`);
      return frames; // closed (or reset) by the daemon
    }
    frames.push(frame);
    if (stopAt?.(frame)) {
      socket.close();
      return frames;
    }
  }
}

/** A complete handshake as a source: an established record stream the daemon's listener accepted. */
export async function handshakenStream(address: string, auth: ChannelAuth, hello: Omit<Hello, 'nonce'>, policy: MigrationPolicy, timeoutMs = 3000): Promise<{ socket: FramedSocket; stream: SecureStream }> {
  const socket = new FramedSocket(dial(address));
  try {
    const { stream } = await runSourceHandshake(socket, { auth, hello, policy, timeoutMs });
    return { socket, stream };
  } catch (e) {
    socket.close();
    throw e;
  }
}
