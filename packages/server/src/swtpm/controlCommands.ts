import { CTRL, PTM_CAP, PTM_CONFIG_FLAG, PTM_GETINFO_SIZE, PTM_RES, TPM_BUFFER_MAX, TPM_BUFFER_MIN } from '../protocol/swtpmControl.js';
import { hashEnd, hashStart } from '../platform/drtmSequence.js';
import { implementationInfo } from './implementationInfo.js';
import { badInput, notRunning, result, type ControlAnswer } from './controlAnswer.js';
import { afterPermanentChange, answerGetStateBlob, answerInit, answerLockStorage, answerShutdown, answerStop, answerStoreVolatile } from './stateCommands.js';
import type { SwtpmDevice } from './swtpmDevice.js';

export type { ControlAnswer } from './controlAnswer.js';

/**
 * What GET_CAPABILITY answers: every control command swtpm offers (LOCK_STORAGE since after 0.7.1)
 * and the mssim prefix on the data channel. SET_DATAFD is listed as swtpm lists it, though over
 * TCP it fails as swtpm's does.
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
  [CTRL.LOCK_STORAGE]: 4,
};

/**
 * Answers a control command whose request body (everything after the code that came with it)
 * has arrived, with swtpm 0.7.1's result codes and layouts (ctrlchannel.c). HASH_DATA and
 * SET_STATEBLOB carry payloads and are answered by `answerHashData` / `answerSetStateBlob`.
 * Commands that touch the stored state answer asynchronously.
 */
export function answerControlCommand(dev: SwtpmDevice, code: number, body: Buffer): ControlAnswer | Promise<ControlAnswer> {
  const n = body.length;
  switch (code) {
    case CTRL.GET_CAPABILITY: {
      const reply = Buffer.alloc(8); // a bare u64, no result code
      reply.writeBigUInt64BE(BigInt(CAPABILITIES));
      return { reply };
    }
    case CTRL.INIT:
      if (n !== 4) return badInput;
      return answerInit(dev, body.readUInt32BE(0));
    case CTRL.STOP:
      if (n !== 0) return badInput;
      return answerStop(dev);
    case CTRL.SHUTDOWN:
      if (n !== 0) return badInput;
      return answerShutdown(dev);
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
      return afterPermanentChange(dev, result(PTM_RES.SUCCESS));
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
      return afterPermanentChange(dev, result(PTM_RES.SUCCESS));
    case CTRL.CANCEL_TPM_CMD:
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      // Commands run to completion synchronously: by the time this arrives none is in progress.
      return result(PTM_RES.SUCCESS);
    case CTRL.STORE_VOLATILE:
      if (!dev.running) return notRunning;
      if (n !== 0) return badInput;
      return answerStoreVolatile(dev);
    case CTRL.GET_STATEBLOB:
      return answerGetStateBlob(dev, body);
    case CTRL.GET_CONFIG: {
      if (n !== 0) return badInput;
      const reply = Buffer.alloc(8); // result 0, then which keys are configured
      reply.writeUInt32BE((dev.keys.stateKey ? PTM_CONFIG_FLAG.FILE_KEY : 0) | (dev.keys.migrationKey ? PTM_CONFIG_FLAG.MIGRATION_KEY : 0), 4);
      return { reply };
    }
    case CTRL.SET_DATAFD:
      // Passing a file descriptor needs a Unix socket (SCM_RIGHTS); over TCP swtpm answers TPM_IOERROR.
      return result(PTM_RES.IOERROR);
    case CTRL.SET_BUFFERSIZE:
      return answerSetBufferSize(dev, body);
    case CTRL.GET_INFO:
      return answerGetInfo(body);
    case CTRL.LOCK_STORAGE:
      return answerLockStorage(dev, body);
    default:
      return notRunning;
  }
}

/** HASH_DATA, after its payload went into the DRTM sequence (when the TPM runs). */
export function answerHashData(dev: SwtpmDevice): ControlAnswer {
  return dev.running ? result(PTM_RES.SUCCESS) : notRunning;
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
