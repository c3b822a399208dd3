import type { Socket } from 'node:net';
import { errorResponse, TPM_RC } from '@vtpm/tpm';
import { ByteReader } from '../stream/byteReader.js';
import { writeFrame } from '../net/writeFrame.js';
import { endSocket } from '../net/endSocket.js';
import { MSSIM, MSSIM_ENDPOINT_INFO, MSSIM_MAX_BUFFER, MSSIM_SERVER_VERSION, sendCommandReply, u32 } from '../protocol/mssimProtocol.js';
import { PARTIAL_FRAME_TIMEOUT_MS } from '../protocol/tpmFrame.js';
import { hashData, hashEnd, hashStart } from '../platform/drtmSequence.js';
import type { MssimContext } from './mssimContext.js';

const ACK = u32(0);
const FAILURE = errorResponse(TPM_RC.FAILURE);

/**
 * One connection to the command port, served as the reference TcpServer.c TpmServer() does:
 * TPM_SEND_COMMAND, the DRTM hash signals, REMOTE_HANDSHAKE, SET_ALTERNATIVE_RESULT, SESSION_END
 * and STOP. Each answer ends with the u32 0 acknowledgement. An unknown code, a size beyond the
 * reference's buffer or a bare close ends the connection (tpm2-tss 3.2.1 never sends SESSION_END).
 */
export async function serveCommandPort(socket: Socket, ctx: MssimContext): Promise<void> {
  const r = new ByteReader(socket, PARTIAL_FRAME_TIMEOUT_MS);
  try {
    for (;;) {
      const code = await r.u32();
      switch (code) {
        case MSSIM.SEND_COMMAND: {
          const locality = await r.u8();
          const size = await r.u32();
          if (size > MSSIM_MAX_BUFFER) return;
          const command = await r.read(size);
          r.frameDone();
          const reply = runCommand(ctx, command, locality); // a promise only while its state is being stored
          await writeFrame(socket, sendCommandReply(Buffer.isBuffer(reply) ? reply : await reply));
          break;
        }
        case MSSIM.SIGNAL_HASH_START:
          r.frameDone();
          if (ctx.tpm.powered) hashStart(ctx.tpm);
          await writeFrame(socket, ACK);
          break;
        case MSSIM.SIGNAL_HASH_DATA: {
          const size = await r.u32();
          if (size > MSSIM_MAX_BUFFER) return;
          const data = await r.read(size);
          r.frameDone();
          if (ctx.tpm.powered) hashData(ctx.tpm, data);
          await writeFrame(socket, ACK);
          break;
        }
        case MSSIM.SIGNAL_HASH_END:
          r.frameDone();
          if (ctx.tpm.powered) hashEnd(ctx.tpm);
          await writeFrame(socket, ACK);
          break;
        case MSSIM.REMOTE_HANDSHAKE: {
          const clientVersion = await r.u32();
          r.frameDone();
          if (clientVersion === 0) return; // the reference refuses version 0 by hanging up
          await writeFrame(socket, Buffer.concat([u32(MSSIM_SERVER_VERSION), u32(MSSIM_ENDPOINT_INFO), ACK]));
          break;
        }
        case MSSIM.SET_ALTERNATIVE_RESULT:
          await r.u32();
          r.frameDone();
          await writeFrame(socket, ACK);
          break;
        case MSSIM.STOP:
          ctx.stop();
          return;
        default: // SESSION_END, or a code the command port does not know: the reference hangs up
          return;
      }
    }
  } catch {
    // connection closed, broke or stalled mid-frame: nothing to answer
  } finally {
    endSocket(socket);
  }
}

/**
 * A powered-off TPM answers nothing: the reference replies with an empty response (size 0). With
 * a state directory the response waits until the state it reflects is stored; a failed write is
 * answered TPM_RC_FAILURE (and every later command too), so no change is acknowledged unstored.
 */
function runCommand(ctx: MssimContext, command: Buffer, locality: number): Buffer | Promise<Buffer> {
  if (!ctx.tpm.powered) return Buffer.alloc(0);
  if (ctx.keeper.failure) return FAILURE;
  const response = ctx.tpm.execute(command, locality);
  ctx.sizes.record(command, response);
  const storing = ctx.keeper.afterCommand(command, response);
  return storing ? storing.then(() => response, () => FAILURE) : response;
}
