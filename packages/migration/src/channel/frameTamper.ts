import type { FramedSocket } from '../wire/framedSocket.js';

/**
 * TEST HOOK: sees every outgoing frame of one side with its index and may pass it on, change it,
 * multiply it (replay), drop it (null) or act on the socket (cut). Fault-injection tests use it on
 * both ends.
 */
export type FrameTamper = (frame: Buffer, index: number, socket: FramedSocket) => Buffer | Buffer[] | null;

/** Routes `socket`'s outgoing frames through `tamper`. */
export function tamperOutgoing(socket: FramedSocket, tamper: FrameTamper): void {
  const send = socket.send.bind(socket);
  let index = 0;
  socket.send = async (frame: Buffer) => {
    const out = tamper(frame, index++, socket);
    for (const f of out === null ? [] : Array.isArray(out) ? out : [out]) await send(f);
  };
}
