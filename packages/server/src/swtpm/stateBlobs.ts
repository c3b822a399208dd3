import { PTM_BLOB_TYPE, PTM_RES } from '../protocol/swtpmControl.js';

/** The TPM state blobs the control channel moves (GET_STATEBLOB / SET_STATEBLOB). */
export interface StateBlobs {
  /** The blob of `type` (a PTM_BLOB_TYPE), or null when there is none (as swtpm: TPM_RETRY). */
  get(type: number): Buffer | null;
  /** Takes a blob (empty = delete it); answers a PTM_RES code. */
  set(type: number, blob: Buffer, encrypted: boolean): number;
}

const MAGIC = Buffer.from('vTPMSTAT', 'ascii');
/** Format 0: a framed, empty placeholder. The state format proper replaces this class. */
const PLACEHOLDER_FORMAT = 0;
const HEADER_SIZE = MAGIC.length + 2 + 2 + 4;

/**
 * Placeholder state blobs until vtpm has a state format: the control channel's framing, sizes,
 * flags and error answers are real, the blobs carry no TPM state yet (a later issue defines it).
 * Permanent and volatile blobs always exist (swtpm's do, once the TPM runs); a savestate blob
 * exists only when one was set, as TPM 2 keeps its Shutdown(STATE) data in NV.
 */
export class PlaceholderStateBlobs implements StateBlobs {
  private readonly stored = new Map<number, Buffer>();

  get(type: number): Buffer | null {
    const stored = this.stored.get(type);
    if (stored) return stored;
    if (type === PTM_BLOB_TYPE.PERMANENT || type === PTM_BLOB_TYPE.VOLATILE) return encodePlaceholder(type);
    return null;
  }

  set(type: number, blob: Buffer, encrypted: boolean): number {
    if (!isBlobType(type)) return PTM_RES.BAD_PARAMETER;
    // No state encryption key can be configured, so an encrypted blob cannot be read (swtpm answers the same).
    if (encrypted) return PTM_RES.BAD_PARAMETER;
    if (blob.length === 0) {
      this.stored.delete(type);
      return PTM_RES.SUCCESS;
    }
    if (!isPlaceholderOf(type, blob)) return PTM_RES.BAD_PARAMETER;
    this.stored.set(type, Buffer.from(blob));
    return PTM_RES.SUCCESS;
  }
}

function isBlobType(type: number): boolean {
  return type === PTM_BLOB_TYPE.PERMANENT || type === PTM_BLOB_TYPE.VOLATILE || type === PTM_BLOB_TYPE.SAVESTATE;
}

/** `magic | u16 format | u16 blob type | u32 payload size | payload` (no payload yet). */
function encodePlaceholder(type: number): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(b, 0);
  b.writeUInt16BE(PLACEHOLDER_FORMAT, MAGIC.length);
  b.writeUInt16BE(type, MAGIC.length + 2);
  b.writeUInt32BE(0, MAGIC.length + 4);
  return b;
}

function isPlaceholderOf(type: number, blob: Buffer): boolean {
  return (
    blob.length >= HEADER_SIZE &&
    blob.subarray(0, MAGIC.length).equals(MAGIC) &&
    blob.readUInt16BE(MAGIC.length) === PLACEHOLDER_FORMAT &&
    blob.readUInt16BE(MAGIC.length + 2) === type &&
    blob.readUInt32BE(MAGIC.length + 4) === blob.length - HEADER_SIZE
  );
}
