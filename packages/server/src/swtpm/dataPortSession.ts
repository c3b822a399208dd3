import type { Socket } from 'node:net';
import { ByteReader, StreamEnded } from '../stream/byteReader.js';
import { writeFrame } from '../net/writeFrame.js';
import { endSocket } from '../net/endSocket.js';
import { MSSIM, SEND_COMMAND_PREFIX_SIZE, sendCommandReply } from '../protocol/mssimProtocol.js';
import { MAX_FRAME_SIZE, PARTIAL_FRAME_TIMEOUT_MS, TPM_HEADER_SIZE, TPM_SIZE_OFFSET } from '../protocol/tpmFrame.js';
import type { SwtpmDevice } from './swtpmDevice.js';

/**
 * One connection to the data channel. Each command is either raw TPM bytes (answered raw) or, as
 * swtpm accepts, prefixed with the mssim TPM_SEND_COMMAND header (answered `u32 size | response |
 * u32 0`, and its locality byte becomes the channel's locality, as in swtpm). Commands are
 * reassembled by their size field, however they were split; several may arrive in one write.
 */
export async function serveDataPort(socket: Socket, dev: SwtpmDevice): Promise<void> {
  const r = new ByteReader(socket, PARTIAL_FRAME_TIMEOUT_MS);
  /** Raw command bytes of the frame being read (null between frames and for mssim-prefixed frames). */
  let partial: Buffer | null = null;
  try {
    for (;;) {
      partial = Buffer.alloc(0);
      // A TPM 2.0 command starts with tag 0x8001/0x8002, never with the u32 8 of TPM_SEND_COMMAND.
      const start = await r.peek(4);
      if (start.readUInt32BE(0) === MSSIM.SEND_COMMAND) {
        partial = null;
        const prefix = await r.read(SEND_COMMAND_PREFIX_SIZE);
        const size = prefix.readUInt32BE(5);
        if (size > MAX_FRAME_SIZE) return;
        const command = await r.read(size);
        r.frameDone();
        dev.locality = prefix[4]!;
        const reply = dev.execute(command);
        await writeFrame(socket, sendCommandReply(Buffer.isBuffer(reply) ? reply : await reply));
        continue;
      }
      const header = await r.read(TPM_HEADER_SIZE);
      partial = header;
      const size = header.readUInt32BE(TPM_SIZE_OFFSET);
      if (size < TPM_HEADER_SIZE || size > MAX_FRAME_SIZE) {
        // The size field cannot frame a command: the TPM's answer to the header, then the stream is lost.
        const reply = dev.execute(header);
        await writeFrame(socket, Buffer.isBuffer(reply) ? reply : await reply);
        return;
      }
      const command = Buffer.concat([header, await r.read(size - TPM_HEADER_SIZE)]);
      partial = null;
      r.frameDone();
      const reply = dev.execute(command); // a promise only while its state is being stored
      await writeFrame(socket, Buffer.isBuffer(reply) ? reply : await reply);
    }
  } catch (e) {
    // Closed (swtpm's TCTI closes after every command), broken, or stalled mid-command. A client that
    // sent part of a raw command and then shut its side gets the TPM's answer to what it sent, as swtpm
    // (one read, one command) gives: a size field that lies is TPM_RC_COMMAND_SIZE, not silence.
    if (e instanceof StreamEnded && partial !== null && !socket.destroyed) {
      const bytes = Buffer.concat([partial, r.takeAvailable()]);
      if (bytes.length > 0) await writeFrame(socket, await dev.execute(bytes));
    }
  } finally {
    endSocket(socket);
  }
}
