import { PTM_BLOB_TYPE, PTM_INIT_FLAG_DELETE_VOLATILE, PTM_RES, PTM_STATE_FLAG } from '../protocol/swtpmControl.js';
import { expectSuccess, type FetchedStateBlob, type SwtpmControlClient } from './swtpmControlClient.js';

const BLOB_ORDER = [PTM_BLOB_TYPE.PERMANENT, PTM_BLOB_TYPE.VOLATILE, PTM_BLOB_TYPE.SAVESTATE] as const;

/**
 * The source half of QEMU's vTPM migration (tpm_emulator_pre_save): the permanent, volatile and
 * savestate blobs, each asked for decrypted (a state-key seal is removed; a migration-key seal stays).
 * TPM_RETRY (no such blob) gives an empty blob, as QEMU takes it.
 */
export async function fetchStateBlobs(source: SwtpmControlClient): Promise<FetchedStateBlob[]> {
  const blobs: FetchedStateBlob[] = [];
  for (const type of BLOB_ORDER) {
    const fetched = await source.getStateBlob(type, PTM_STATE_FLAG.DECRYPTED);
    if (fetched.result !== PTM_RES.SUCCESS && (fetched.result & PTM_RES.RETRY) === 0) expectSuccess(`GET_STATEBLOB ${type}`, fetched.result);
    blobs.push(fetched);
  }
  return blobs;
}

/**
 * The destination half (tpm_emulator_post_load): CMD_STOP, SET_STATEBLOB of each non-empty blob
 * with the flags it came with, CMD_INIT with DELETE_VOLATILE, which resumes the TPM where it was.
 */
export async function deliverStateBlobs(destination: SwtpmControlClient, blobs: readonly FetchedStateBlob[]): Promise<void> {
  expectSuccess('CMD_STOP', await destination.stop());
  for (const [i, type] of BLOB_ORDER.entries()) {
    const { blob, flags } = blobs[i]!;
    if (blob.length > 0) expectSuccess(`SET_STATEBLOB ${type}`, await destination.setStateBlob(type, blob, flags));
  }
  expectSuccess('CMD_INIT', await destination.init(PTM_INIT_FLAG_DELETE_VOLATILE));
}
