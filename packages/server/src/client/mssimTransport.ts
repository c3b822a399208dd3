import type { Transport } from '@vtpm/tpm';
import { MSSIM, MSSIM_ACK_SIZE, sendCommandFrame, u32 } from '../protocol/mssimProtocol.js';
import { SocketChannel } from './socketChannel.js';

/**
 * Client side of the Microsoft simulator protocol: one long-lived connection to the command port
 * (as tpm2-tss' mssim TCTI keeps), platform signals on port + 1.
 */
export class MssimTransport implements Transport {
  private constructor(
    private readonly channel: SocketChannel,
    readonly host: string,
    readonly port: number,
  ) {}

  static async connect(host: string, port: number): Promise<MssimTransport> {
    return new MssimTransport(await SocketChannel.open(host, port), host, port);
  }

  /** TPM_SEND_COMMAND; an empty answer (the simulator is powered off) is an error. */
  send(command: Buffer, locality = 0): Promise<Buffer> {
    return this.channel.exchange(sendCommandFrame(command, locality), async (r) => {
      const size = await r.u32();
      const response = await r.read(size);
      await r.read(MSSIM_ACK_SIZE);
      if (size === 0) throw new Error(`mssim ${this.host}:${this.port}: empty response, the TPM is powered off (send POWER_ON on the platform port)`);
      return Buffer.from(response);
    });
  }

  /** POWER_ON then NV_ON on the platform port, as tpm2-tss does when it connects. */
  powerOn(): Promise<void> {
    return this.platform(MSSIM.SIGNAL_POWER_ON, MSSIM.SIGNAL_NV_ON);
  }

  /** Sends platform signals (MSSIM.SIGNAL_*) over a fresh platform-port connection, each acknowledged. */
  async platform(...signals: number[]): Promise<void> {
    const channel = await SocketChannel.open(this.host, this.port + 1);
    try {
      for (const signal of signals) {
        const answer = await channel.exchange(u32(signal), (r) => r.u32());
        if (answer !== 0) throw new Error(`mssim platform signal ${signal} refused (answer ${answer})`);
      }
    } finally {
      await channel.close(u32(MSSIM.SESSION_END));
    }
  }

  /** SESSION_END, then the connection closes. */
  close(): Promise<void> {
    return this.channel.close(u32(MSSIM.SESSION_END));
  }
}
