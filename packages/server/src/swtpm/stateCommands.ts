import { isBlobType } from '../persistence/blobType.js';
import { StateRefusal } from '../persistence/stateRefusal.js';
import { PTM_INIT_FLAG_DELETE_VOLATILE, PTM_RES, PTM_STATE_FLAG } from '../protocol/swtpmControl.js';
import { u32 } from '../protocol/mssimProtocol.js';
import { badInput, notRunning, result, type ControlAnswer } from './controlAnswer.js';
import { REFUSAL_CODE } from './refusalCodes.js';
import { exportStateBlob, importStateBlob } from './stateBlobs.js';
import type { SwtpmDevice } from './swtpmDevice.js';

/**
 * CMD_INIT: the TPM starts from the blobs SET_STATEBLOB delivered, or else from the state
 * directory read again. DELETE_VOLATILE (QEMU's resume, `swtpm_ioctl -i`) resumes a stored
 * volatile state and deletes it; without it INIT is a power-on and a stored volatile state is
 * discarded. A refused blob or stored state makes INIT fail (TPM_FAIL): the TPM stays stopped
 * rather than run blank.
 */
export async function answerInit(dev: SwtpmDevice, flags: number): Promise<ControlAnswer> {
  dev.running = false;
  try {
    if (!dev.pending.empty) {
      const state = await dev.pending.take(dev.keeper);
      dev.pending.reset();
      await dev.keeper.adopt(state);
    } else {
      await dev.keeper.reinitialize((flags & PTM_INIT_FLAG_DELETE_VOLATILE) !== 0);
    }
  } catch (e) {
    dev.log(`CMD_INIT: the TPM does not start: ${(e as Error).message}`);
    return result(PTM_RES.FAIL);
  }
  dev.running = true;
  return result(PTM_RES.SUCCESS);
}

/** CMD_STOP: the TPM stops; blobs set before are forgotten (swtpm's TPMLIB_Terminate). */
export function answerStop(dev: SwtpmDevice): ControlAnswer {
  dev.running = false;
  dev.pending.reset();
  return result(PTM_RES.SUCCESS);
}

/**
 * GET_STATEBLOB, request `u32 state_flags | u32 type | u32 offset`: `u32 result | u32 state_flags
 * | u32 totlength | u32 length | blob from offset`. As swtpm, the volatile blob is taken from the
 * running TPM and a stored volatile state removed; after the savestate blob, the last of a
 * migration, the state directory's lock is released for the destination (LOCK_STORAGE takes it back).
 */
export async function answerGetStateBlob(dev: SwtpmDevice, body: Buffer): Promise<ControlAnswer> {
  if (!dev.running) return notRunning;
  if (body.length < 12) return badInput;
  const decrypted = (body.readUInt32BE(0) & PTM_STATE_FLAG.DECRYPTED) !== 0;
  const type = body.readUInt32BE(4);
  const offset = body.readUInt32BE(8);
  const header = Buffer.alloc(16);
  if (!isBlobType(type)) {
    header.writeUInt32BE(PTM_RES.RETRY, 0);
    return { reply: header };
  }
  let exported: { blob: Buffer; encrypted: boolean };
  try {
    exported = await exportStateBlob(dev.keeper, dev.keys, type, decrypted);
    if (type === 2) await dev.keeper.dropVolatile();
  } catch (e) {
    dev.log(`GET_STATEBLOB: ${(e as Error).message}`);
    header.writeUInt32BE(PTM_RES.FAIL, 0);
    return { reply: header };
  }
  if (type === 3) dev.keeper.store.files?.lock.release();
  const rest = offset < exported.blob.length ? exported.blob.subarray(offset) : Buffer.alloc(0);
  header.writeUInt32BE(exported.encrypted ? PTM_STATE_FLAG.ENCRYPTED : 0, 4);
  // swtpm reports the remaining length as both the total and this transfer's length.
  header.writeUInt32BE(rest.length, 8);
  header.writeUInt32BE(rest.length, 12);
  return { reply: Buffer.concat([header, rest]) };
}

/**
 * SET_STATEBLOB (only while stopped; bytes beyond the announced length are an error): the blob is
 * opened and checked now (an older generation than this vTPM's is refused too) and kept for INIT.
 * A refused blob answers swtpm's code for the fault, is logged, and makes the next INIT fail.
 */
export async function answerSetStateBlob(dev: SwtpmDevice, stateFlags: number, type: number, blob: Buffer, trailingBytes: number): Promise<ControlAnswer> {
  if (dev.running) return notRunning;
  if (trailingBytes > 0 || !isBlobType(type)) return badInput;
  if (blob.length === 0) {
    dev.pending.clear(type);
    return result(PTM_RES.SUCCESS);
  }
  try {
    const opened = importStateBlob(dev.keys, type, blob, (stateFlags & PTM_STATE_FLAG.ENCRYPTED) !== 0);
    if (type === 1) await dev.keeper.store.checkNotOlder(opened);
    dev.pending.accept(type, opened);
    return result(PTM_RES.SUCCESS);
  } catch (e) {
    if (!(e instanceof StateRefusal)) throw e;
    dev.pending.refuse(type, e);
    dev.log(`SET_STATEBLOB: blob type ${type} refused: ${e.message}`);
    return result(REFUSAL_CODE[e.kind]);
  }
}

/** CMD_STORE_VOLATILE: the volatile state is written to the state directory (nothing without one). */
export async function answerStoreVolatile(dev: SwtpmDevice): Promise<ControlAnswer> {
  try {
    await dev.keeper.storeVolatile();
    return result(PTM_RES.SUCCESS);
  } catch (e) {
    dev.log(`STORE_VOLATILE: ${(e as Error).message}`);
    return result(PTM_RES.FAIL);
  }
}

/** CMD_LOCK_STORAGE, request `u32 retries`: takes the state directory's lock, retrying 10 ms apart. */
export async function answerLockStorage(dev: SwtpmDevice, body: Buffer): Promise<ControlAnswer> {
  if (body.length < 4) return badInput;
  try {
    await dev.keeper.store.files?.lock.acquire(body.readUInt32BE(0));
    return result(PTM_RES.SUCCESS);
  } catch (e) {
    dev.log(`LOCK_STORAGE: ${(e as Error).message}`);
    return result(PTM_RES.FAIL);
  }
}

/** CMD_SHUTDOWN: the volatile state of a running TPM is stored, then the process ends. */
export async function answerShutdown(dev: SwtpmDevice): Promise<ControlAnswer> {
  if (dev.running) {
    await dev.keeper.storeVolatile().catch((e: Error) => dev.log(`CMD_SHUTDOWN: the volatile state was not stored: ${e.message}`));
  }
  dev.running = false;
  return { reply: u32(PTM_RES.SUCCESS), after: 'terminate' };
}

/**
 * A control command changed the permanent state outside a TPM command (the established flag,
 * restartCount after a DRTM sequence): it is stored before the answer, as a command's would be.
 */
export async function afterPermanentChange(dev: SwtpmDevice, answer: ControlAnswer): Promise<ControlAnswer> {
  dev.tpm.permanentStateVersion++;
  try {
    await dev.keeper.persistChanges();
    return answer;
  } catch (e) {
    dev.log(`the TPM state could not be stored, the TPM stops until CMD_INIT: ${(e as Error).message}`);
    dev.running = false;
    return result(PTM_RES.FAIL);
  }
}
