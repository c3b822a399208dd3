/** The three TPM state blobs, numbered as swtpm numbers them (PTM_BLOB_TYPE_*). */
export const BLOB_TYPE = { permanent: 1, volatile: 2, savestate: 3 } as const;
export type BlobType = (typeof BLOB_TYPE)[keyof typeof BLOB_TYPE];
export type BlobName = keyof typeof BLOB_TYPE;

export const BLOB_NAMES: Readonly<Record<BlobType, BlobName>> = { 1: 'permanent', 2: 'volatile', 3: 'savestate' };

/** File names in a state directory: swtpm's, so tools that look for a TPM state find it. */
export const STATE_FILE_NAMES: Readonly<Record<BlobType, string>> = {
  1: 'tpm2-00.permall',
  2: 'tpm2-00.volatilestate',
  3: 'tpm2-00.savestate',
};

export function isBlobType(type: number): type is BlobType {
  return type === 1 || type === 2 || type === 3;
}
