import { CTRL, PTM_CAP, PTM_GETINFO_SIZE, PTM_RES, PTM_STATE_FLAG, TPM_BUFFER_MAX, TPM_BUFFER_MIN } from '../protocol/swtpmControl.js';
import { u32 } from '../protocol/mssimProtocol.js';
import { hashEnd, hashStart } from '../platform/drtmSequence.js';
import { initTpm } from '../platform/tpmInit.js';
import { implementationInfo } from './implementationInfo.js';
import type { SwtpmDevice } from './swtpmDevice.js';

/**
 * What GET_CAPABILITY answers: every control command swtpm 0.7.1 offers and the mssim prefix on
 * the data channel. SET_DATAFD is listed as swtpm lists it, though over TCP it fails as swtpm's does.
 */
const CAPABILITIES = Object.values(PTM_CAP).reduce((a, b) => a | b, 0);

/** Request bytes beyond the command code that swtpm waits for before it answers (the rest is optional). */
export const AWAITED_REQUEST_BYTES: Readonly<Record<number, number>> = {
  [CTRL.INIT]: 4,
  [CTRL.SET_LOCALITY]: 1,
  [CTRL.RESET_TPMESTABLISHED]: 1,
  [CTRL.GET_STATEBLOB]: 12,
  [CTRL.HASH_DATA]: 4, // then `length` data bytes
  [CTRL.SET_STATEBLOB]: 12, // then `length` blob bytes
};

/** Result of one control command: the answer, and what happens after it is sent. */
export interface ControlAnswer {
  reply: Buffer;
  /** `terminate`: the process ends (CMD_SHUTDOWN); `hangUp`: this connection ends. */
  after?: 'terminate' | 'hangUp';
}

const result = (code: number): ControlAnswer => ({ reply: u32(code) });
const notRunning = result(PTM_RES.BAD_ORDINAL);
const badInput = result(PTM_RES.BAD_PARAMETER);

/**
 * Answers a control command whose request body (everything after the code that came with it)
 * has arrived, with swtpm 0.7.1's result codes and layouts (ctrlchannel.c). HASH_DATA and
 * SET_STATEBLOB carry payloads and are answered by `answerHashData` / `answerSetStateBlob`.
 */
export function answerControlCommand(dev: SwtpmDevice, code: number, body: Buffer): ControlAnswer {
  const n = body.length;
  switch (code) {
    case CTRL.GET_CAPABILITY: {
      const reply = Buffer.alloc(8); // a bare u64, no result code
      reply.writeBigUInt64BE(BigInt(CAPABILITIES));
      return { reply };
    }
    case CTRL.INIT:
      if (n !== 4) return badInput;
      // Flags: DELETE_VOLATILE drops a stored volatile state; none is kept yet, so INIT always starts afresh.
      initTpm(dev.tpm);
      dev.running = true;
      return result(PTM_RES.SUCCESS);
    case CTRL.STOP:
      if (n !== 0) return badInput;
      dev.running = false;
      return result(PTM_RES.SUCCESS);
    case CTRL.SHUTDOWN:
      if (n !== 0) return badInput;
      dev.running = false;
      return { reply: u32(PTM_RES.SUCCESS), after: 'terminate' };
    case CTRL.GET_TPMESTABLISHED: {
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      const reply = Buffer.alloc(8); // ptm_est.resp: u32 result, u8 bit, 3 bytes of struct padding
      reply[4] = dev.tpm.tpmEstablished ? 1 : 0;
      return { reply };
    }
    case CTRL.RESET_TPMESTABLISHED: {
      if (!dev.running) return notRunning;
      if (n < 1) return badInput;
      // Runs at the request's locality (swtpm restores its locality afterwards); only 3 and 4 may reset.
      const locality = body[0]!;
      if (locality !== 3 && locality !== 4) return result(PTM_RES.BAD_LOCALITY);
      dev.tpm.tpmEstablished = false;
      return result(PTM_RES.SUCCESS);
    }
    case CTRL.SET_LOCALITY: {
      if (n < 1) return badInput;
      const locality = body[0]!;
      if (locality > 4 || (locality === 4 && dev.rejectLocality4)) return result(PTM_RES.BAD_LOCALITY);
      dev.locality = locality;
      return result(PTM_RES.SUCCESS);
    }
    case CTRL.HASH_START:
    case CTRL.HASH_END:
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      (code === CTRL.HASH_START ? hashStart : hashEnd)(dev.tpm);
      return result(PTM_RES.SUCCESS);
    case CTRL.CANCEL_TPM_CMD:
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      // Commands run to completion synchronously: by the time this arrives none is in progress.
      return result(PTM_RES.SUCCESS);
    case CTRL.STORE_VOLATILE:
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      return result(PTM_RES.SUCCESS);
    case CTRL.GET_STATEBLOB:
      if (!dev.running) return notRunning;
      return answerGetStateBlob(dev, body);
    case CTRL.GET_CONFIG: {
      if (n !== 0) return badInput;
      return { reply: Buffer.alloc(8) }; // result 0, flags 0: no file key, no migration key
    }
    case CTRL.SET_DATAFD:
      // Passing a file descriptor needs a Unix socket (SCM_RIGHTS); over TCP swtpm answers TPM_IOERROR.
      return result(PTM_RES.IOERROR);
    case CTRL.SET_BUFFERSIZE:
      return answerSetBufferSize(dev, body);
    case CTRL.GET_INFO:
      return answerGetInfo(body);
    default:
      // Includes LOCK_STORAGE (19), which swtpm only learnt after 0.7.1.
      return notRunning;
  }
}

/** HASH_DATA, after its payload went into the DRTM sequence (when the TPM runs). */
export function answerHashData(dev: SwtpmDevice): ControlAnswer {
  return dev.running ? result(PTM_RES.SUCCESS) : notRunning;
}

/** SET_STATEBLOB: only while the TPM is stopped; bytes beyond the announced length are an error. */
export function answerSetStateBlob(dev: SwtpmDevice, stateFlags: number, type: number, blob: Buffer, trailingBytes: number): ControlAnswer {
  if (dev.running) return notRunning;
  if (trailingBytes > 0) return badInput;
  return result(dev.stateBlobs.set(type, blob, (stateFlags & PTM_STATE_FLAG.ENCRYPTED) !== 0));
}

/** `u32 result | u32 state_flags | u32 totlength | u32 length | data` from `offset` on. */
function answerGetStateBlob(dev: SwtpmDevice, body: Buffer): ControlAnswer {
  if (body.length < 12) return badInput;
  const type = body.readUInt32BE(4);
  const offset = body.readUInt32BE(8);
  const header = Buffer.alloc(16);
  const blob = dev.stateBlobs.get(type);
  if (!blob) {
    header.writeUInt32BE(PTM_RES.RETRY, 0);
    return { reply: header };
  }
  const rest = offset < blob.length ? blob.subarray(offset) : Buffer.alloc(0);
  // swtpm reports the remaining length as both the total and this transfer's length.
  header.writeUInt32BE(rest.length, 8);
  header.writeUInt32BE(rest.length, 12);
  return { reply: Buffer.concat([header, rest]) };
}

/** 0 queries; another size (only while stopped) is clamped to [min, max]. */
function answerSetBufferSize(dev: SwtpmDevice, body: Buffer): ControlAnswer {
  if (body.length < 4) return badInput;
  const requested = body.readUInt32BE(0);
  if (requested > 0 && dev.running) return notRunning;
  if (requested > 0) dev.bufferSize = Math.min(Math.max(requested, TPM_BUFFER_MIN), TPM_BUFFER_MAX);
  const reply = Buffer.alloc(16);
  reply.writeUInt32BE(dev.bufferSize, 4);
  reply.writeUInt32BE(TPM_BUFFER_MIN, 8);
  reply.writeUInt32BE(TPM_BUFFER_MAX, 12);
  return { reply };
}

/** Request: u64 flags, u32 offset, u32 pad. Answer: result, totlength, length, NUL-terminated JSON from offset. */
function answerGetInfo(body: Buffer): ControlAnswer {
  if (body.length < 16) return badInput;
  const text = Buffer.from(implementationInfo(body.readBigUInt64BE(0)) + '\0', 'utf8');
  const offset = body.readUInt32BE(8);
  if (offset >= text.length - 1) return badInput;
  const chunk = text.subarray(offset, offset + PTM_GETINFO_SIZE);
  const header = Buffer.alloc(12);
  header.writeUInt32BE(text.length, 4);
  header.writeUInt32BE(chunk.length, 8);
  return { reply: Buffer.concat([header, chunk]) };
}
