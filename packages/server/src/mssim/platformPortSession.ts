import type { Socket } from 'node:net';
import { ByteReader } from '../stream/byteReader.js';
import { writeFrame } from '../net/writeFrame.js';
import { endSocket } from '../net/endSocket.js';
import { MSSIM, u32 } from '../protocol/mssimProtocol.js';
import { PARTIAL_FRAME_TIMEOUT_MS } from '../protocol/tpmFrame.js';
import { applyPlatformSignal } from './platformSignals.js';
import type { MssimContext } from './mssimContext.js';

const ACK = u32(0);
/** What the reference answers to a signal it does not know, before hanging up. */
const UNKNOWN_SIGNAL = u32(1);

/**
 * One connection to the platform port, served as the reference TcpServer.c PlatformServer() does:
 * each u32 signal is answered by u32 0. SESSION_END or a bare close ends the connection; STOP
 * stops the whole server (the reference stops its platform service).
 */
export async function servePlatformPort(socket: Socket, ctx: MssimContext): Promise<void> {
  const r = new ByteReader(socket, PARTIAL_FRAME_TIMEOUT_MS);
  try {
    for (;;) {
      const signal = await r.u32();
      switch (signal) {
        case MSSIM.SESSION_END:
          return;
        case MSSIM.STOP:
          ctx.stop();
          return;
        case MSSIM.GET_COMMAND_RESPONSE_SIZES: {
          const sizes = ctx.sizes.takeStruct();
          r.frameDone();
          await writeFrame(socket, Buffer.concat([u32(sizes.length), sizes, ACK]));
          break;
        }
        case MSSIM.ACT_GET_SIGNALED:
          await r.u32(); // the ACT handle: no ACT is implemented, none is ever signaled
          r.frameDone();
          await writeFrame(socket, Buffer.concat([u32(0), ACK]));
          break;
        default:
          r.frameDone();
          if (!applyPlatformSignal(ctx.tpm, signal)) {
            await writeFrame(socket, UNKNOWN_SIGNAL);
            return;
          }
          await writeFrame(socket, ACK);
      }
    }
  } catch {
    // connection closed, broke or stalled mid-frame
  } finally {
    endSocket(socket);
  }
}
