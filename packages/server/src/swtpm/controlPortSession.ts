import type { Socket } from 'node:net';
import { ByteReader } from '../stream/byteReader.js';
import { writeFrame } from '../net/writeFrame.js';
import { endSocket } from '../net/endSocket.js';
import { CTRL, CTRL_RECEIVE_DEADLINE_MS, CTRL_REQUEST_BUFFER, PTM_RES } from '../protocol/swtpmControl.js';
import { u32 } from '../protocol/mssimProtocol.js';
import { PARTIAL_FRAME_TIMEOUT_MS } from '../protocol/tpmFrame.js';
import { hashData } from '../platform/drtmSequence.js';
import { AWAITED_REQUEST_BYTES, answerControlCommand, answerHashData, type ControlAnswer } from './controlCommands.js';
import { answerSetStateBlob } from './stateCommands.js';
import type { SwtpmDevice } from './swtpmDevice.js';

/** Largest state blob SET_STATEBLOB takes into memory (swtpm's are tens of kilobytes). */
const MAX_STATE_BLOB_SIZE = 16 * 1024 * 1024;
/** HASH_DATA payload is hashed in pieces of at most this size, never held whole. */
const PAYLOAD_PIECE = 64 * 1024;
/** Request bytes swtpm reads in its first pass (its buffer minus the command code). */
const FIRST_PASS_BODY = CTRL_REQUEST_BUFFER - 4;

/**
 * One connection to the control channel, read the way swtpm's ctrlchannel_recv_cmd() reads: a
 * command's awaited bytes must arrive within 500 ms or the connection closes unanswered, and bytes
 * that arrive together with them belong to the request (so `STOP` followed by a stray byte is
 * answered TPM_BAD_PARAMETER, as swtpm does). Several commands may follow on one connection.
 */
export async function serveControlPort(socket: Socket, dev: SwtpmDevice): Promise<void> {
  const r = new ByteReader(socket, CTRL_RECEIVE_DEADLINE_MS);
  try {
    for (;;) {
      const code = await r.u32();
      const awaited = await r.read(AWAITED_REQUEST_BYTES[code] ?? 0);
      let answer: ControlAnswer;
      if (code === CTRL.HASH_DATA) answer = await receiveHashData(r, dev, awaited.readUInt32BE(0));
      else if (code === CTRL.SET_STATEBLOB) answer = await receiveStateBlob(r, dev, awaited);
      else {
        const cameAlong = await r.read(Math.min(r.available, FIRST_PASS_BODY - awaited.length));
        answer = await answerControlCommand(dev, code, Buffer.concat([awaited, cameAlong]));
      }
      r.frameDone();
      await writeFrame(socket, answer.reply);
      if (answer.after === 'terminate') {
        await new Promise<void>((flushed) => socket.end(flushed)); // the answer first, then the end
        dev.terminate();
      }
      if (answer.after) return;
    }
  } catch {
    // closed, broken, or a request that did not arrive within swtpm's deadline: no answer
  } finally {
    endSocket(socket);
  }
}

/** HASH_DATA: u32 length, then the data, hashed as it streams in. */
async function receiveHashData(r: ByteReader, dev: SwtpmDevice, length: number): Promise<ControlAnswer> {
  for (let left = length; left > 0; ) {
    if (length > FIRST_PASS_BODY - 4) r.extendFrame(PARTIAL_FRAME_TIMEOUT_MS); // longer than swtpm's first read
    const piece = await r.read(Math.min(left, PAYLOAD_PIECE));
    if (dev.running) hashData(dev.tpm, piece);
    left -= piece.length;
  }
  return answerHashData(dev);
}

/** SET_STATEBLOB: u32 state_flags, u32 type, u32 length, then the blob. */
async function receiveStateBlob(r: ByteReader, dev: SwtpmDevice, header: Buffer): Promise<ControlAnswer> {
  const stateFlags = header.readUInt32BE(0);
  const type = header.readUInt32BE(4);
  const length = header.readUInt32BE(8);
  // swtpm answers TPM_FAIL when it cannot allocate the blob; the unread rest makes the stream useless.
  if (length > MAX_STATE_BLOB_SIZE) return { reply: u32(PTM_RES.FAIL), after: 'hangUp' };
  if (length > FIRST_PASS_BODY - 12) r.extendFrame(PARTIAL_FRAME_TIMEOUT_MS);
  const blob = await r.read(length);
  const trailing = await r.read(r.available);
  return answerSetStateBlob(dev, stateFlags, type, blob, trailing.length);
}
