import { NV_DefineSpace, NV_Increment, NV_Read, NV_ReadPublic, TPM_ALG, TPM_NT, TPM_RH, TPMA_NV, TPMA_NV_TPM_NT_SHIFT, type TpmClient } from '@vtpm/tpm';

/** NV index of the migration epoch counter in each VM's vTPM (owner range 0x01xxxxxx, chosen for vtpm). */
export const MIGRATION_EPOCH_NV_INDEX = 0x01c10100;

const owner = [{ password: '' }];

/**
 * The VM's migration epoch lives in its own vTPM as an NV counter, so it travels inside the
 * (encrypted, generation-checked) vTPM state and only ever goes up: a TPM counter cannot be set
 * back. Assumes the guest left the owner authorization empty (documented gap).
 */
async function ensureCounter(client: TpmClient): Promise<void> {
  const exists = await client.run(NV_ReadPublic, { handles: { nvIndex: MIGRATION_EPOCH_NV_INDEX }, params: {} }).then(() => true, () => false);
  if (exists) return;
  const attributes = (TPMA_NV.OWNERREAD | TPMA_NV.OWNERWRITE | TPMA_NV.NO_DA | (TPM_NT.COUNTER << TPMA_NV_TPM_NT_SHIFT)) >>> 0;
  await client.run(NV_DefineSpace, {
    handles: { authHandle: TPM_RH.OWNER }, auth: owner,
    params: { auth: Buffer.alloc(0), publicInfo: { nvIndex: MIGRATION_EPOCH_NV_INDEX, nameAlg: TPM_ALG.SHA256, attributes, authPolicy: Buffer.alloc(0), dataSize: 8 } },
  });
}

/** Current epoch; 0 when the VM was never migrated (no counter yet). */
export async function readMigrationEpoch(client: TpmClient): Promise<bigint> {
  try {
    const { data } = await client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: MIGRATION_EPOCH_NV_INDEX }, auth: owner, params: { size: 8, offset: 0 } });
    return data.readBigUInt64BE(0);
  } catch {
    return 0n;
  }
}

/** Increments the epoch for a new migration attempt and returns it. */
export async function advanceMigrationEpoch(client: TpmClient): Promise<bigint> {
  await ensureCounter(client);
  await client.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: MIGRATION_EPOCH_NV_INDEX }, auth: owner, params: {} });
  return readMigrationEpoch(client);
}
