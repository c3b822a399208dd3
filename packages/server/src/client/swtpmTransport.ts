import type { Transport } from '@vtpm/tpm';
import { sendCommandFrame, MSSIM_ACK_SIZE } from '../protocol/mssimProtocol.js';
import { TPM_HEADER_SIZE, TPM_SIZE_OFFSET } from '../protocol/tpmFrame.js';
import { SocketChannel } from './socketChannel.js';

/**
 * Client side of swtpm's data channel: raw TPM commands over one persistent connection. A command
 * for another locality goes with the mssim TPM_SEND_COMMAND prefix, which swtpm (and vtpm) take as
 * the channel's locality from then on.
 */
export class SwtpmTransport implements Transport {
  /** The data channel's locality as this client last set it (swtpm starts at 0). */
  private locality = 0;

  private constructor(private readonly channel: SocketChannel) {}

  static async connect(host: string, port: number): Promise<SwtpmTransport> {
    return new SwtpmTransport(await SocketChannel.open(host, port));
  }

  send(command: Buffer, locality = 0): Promise<Buffer> {
    if (locality !== this.locality) {
      this.locality = locality;
      return this.channel.exchange(sendCommandFrame(command, locality), async (r) => {
        const response = await r.read(await r.u32());
        await r.read(MSSIM_ACK_SIZE);
        return Buffer.from(response);
      });
    }
    return this.channel.exchange(command, async (r) => {
      const header = await r.read(TPM_HEADER_SIZE);
      const size = header.readUInt32BE(TPM_SIZE_OFFSET);
      const rest = size > TPM_HEADER_SIZE ? await r.read(size - TPM_HEADER_SIZE) : Buffer.alloc(0);
      return Buffer.concat([header, rest]);
    });
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}
