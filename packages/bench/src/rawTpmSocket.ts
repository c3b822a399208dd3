import net from 'node:net';
import type { Transport } from '@vtpm/tpm';

/**
 * Framing on a TPM data port:
 *  - mssim: u32 TPM_SEND_COMMAND(8) | u8 locality | u32 size | command  ->  u32 size | response | u32 0
 *  - swtpm: the command bytes as they are  ->  the response bytes (its size is in the header)
 * (swtpm's data port accepts both.)
 */
export type Framing = 'mssim' | 'swtpm';

const TPM_SEND_COMMAND = 8;
const TPM_SESSION_END = 20;

/**
 * A minimal TPM client over one persistent TCP connection with TCP_NODELAY: one write per
 * command, the response reassembled from its length, nothing else. It keeps client cost out of the
 * numbers, and treats swtpm and vtpm identically. As a Transport it also carries the typed
 * client's commands (scenarios that need sessions).
 */
export class RawTpmSocket implements Transport {
  private pending: Buffer[] = [];
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly framing: Framing,
  ) {
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('TPM connection closed')));
  }

  static async connect(host: string, port: number, framing: Framing): Promise<RawTpmSocket> {
    const socket = await connectTcp(host, port);
    return new RawTpmSocket(socket, framing);
  }

  send(command: Buffer, locality = 0): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('one command at a time'));
    let frame = command;
    if (this.framing === 'mssim') {
      frame = Buffer.allocUnsafe(9 + command.length);
      frame.writeUInt32BE(TPM_SEND_COMMAND, 0);
      frame[4] = locality;
      frame.writeUInt32BE(command.length, 5);
      command.copy(frame, 9);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.socket.write(frame);
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    this.failure = new Error('closed');
    if (this.framing === 'mssim') this.socket.write(u32(TPM_SESSION_END));
    await new Promise<void>((resolve) => this.socket.end(resolve));
  }

  private onData(chunk: Buffer): void {
    this.pending.push(chunk);
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const headerSize = this.framing === 'mssim' ? 4 : 10;
    if (buf.length < headerSize) return;
    const total = this.framing === 'mssim' ? 4 + buf.readUInt32BE(0) + 4 : buf.readUInt32BE(2);
    if (buf.length < total) {
      this.pending = [buf];
      return;
    }
    const response = this.framing === 'mssim' ? buf.subarray(4, total - 4) : buf.subarray(0, total);
    const rest = buf.subarray(total);
    this.pending = rest.length ? [rest] : [];
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(response);
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(e);
  }
}

/**
 * mssim platform port: TPM_SIGNAL_POWER_ON(1) and TPM_SIGNAL_NV_ON(11), each answered by u32 0,
 * as tpm2-tss's mssim TCTI starts. Never send this to swtpm: its port+1 is the control channel.
 */
export async function mssimPowerOn(host: string, platformPort: number): Promise<void> {
  const s = await connectTcp(host, platformPort);
  try {
    for (const signal of [1, 11]) {
      s.write(u32(signal));
      const answer = await new Promise<Buffer>((resolve, reject) => {
        s.once('data', resolve);
        s.once('error', reject);
      });
      if (answer.length < 4 || answer.readUInt32BE(0) !== 0) throw new Error(`platform signal ${signal} refused`);
    }
    s.write(u32(TPM_SESSION_END));
  } finally {
    s.end();
  }
}

export function connectTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}
