import { NV_DefineSpace, NV_ReadPublic, NV_UndefineSpace, NV_Write, NV_WriteLock, TPM_ALG, TPM_RH, TPMA_NV, TpmResponseError, type TpmClient } from '@vtpm/tpm';

/**
 * NV attributes of an EK certificate index, as swtpm_setup defines them (tpm2_nvreadpublic on a
 * swtpm set up with --create-ek-cert shows 0x62072001 once written): written with platform
 * authorization (PPWRITE, WRITEDEFINE: lockable for good), readable by anyone through platform,
 * owner or the index's empty auth (PPREAD, OWNERREAD, AUTHREAD), no dictionary-attack lockout,
 * created by the platform so only the platform can delete it. The TPM adds WRITTEN.
 */
export const EK_CERTIFICATE_NV_ATTRIBUTES =
  TPMA_NV.PPWRITE | TPMA_NV.WRITEDEFINE | TPMA_NV.PPREAD | TPMA_NV.OWNERREAD | TPMA_NV.AUTHREAD | TPMA_NV.NO_DA | TPMA_NV.PLATFORMCREATE;

export interface NvCertificateOptions {
  platformAuth?: string | Buffer;
  /** Largest NV_Write the TPM takes (TPM_PT_NV_BUFFER_MAX); longer data is written in pieces. */
  maxWrite: number;
  /** NV_WriteLock afterwards: with WRITEDEFINE the certificate can then never be rewritten. */
  lock?: boolean;
}

/** Stores `data` in a fresh platform index at `nvIndex`, replacing an index already there. */
export async function storeCertificateInNv(client: TpmClient, nvIndex: number, data: Buffer, options: NvCertificateOptions): Promise<void> {
  const auth = [{ password: options.platformAuth ?? '' }];
  if (await nvIndexExists(client, nvIndex)) await client.run(NV_UndefineSpace, { handles: { authHandle: TPM_RH.PLATFORM, nvIndex }, params: {}, auth });
  const publicInfo = { nvIndex, nameAlg: TPM_ALG.SHA256, attributes: EK_CERTIFICATE_NV_ATTRIBUTES >>> 0, authPolicy: Buffer.alloc(0), dataSize: data.length };
  await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.PLATFORM }, params: { auth: Buffer.alloc(0), publicInfo }, auth });
  for (let offset = 0; offset < data.length; offset += options.maxWrite) {
    const piece = data.subarray(offset, Math.min(data.length, offset + options.maxWrite));
    await client.run(NV_Write, { handles: { authHandle: TPM_RH.PLATFORM, nvIndex }, params: { data: piece, offset }, auth });
  }
  if (options.lock) await client.run(NV_WriteLock, { handles: { authHandle: TPM_RH.PLATFORM, nvIndex }, params: {}, auth });
}

async function nvIndexExists(client: TpmClient, nvIndex: number): Promise<boolean> {
  try {
    await client.run(NV_ReadPublic, { handles: { nvIndex }, params: {} });
    return true;
  } catch (e) {
    if (e instanceof TpmResponseError) return false;
    throw e;
  }
}
