import { NV_DefineSpace, NV_Increment, NV_Read, NV_ReadPublic, TPM_ALG, TPM_NT, TPM_RC, TPM_RH, TPMA_NV, TPMA_NV_TPM_NT_SHIFT, TpmResponseError, type TpmClient } from '@vtpm/tpm';
import type { RollbackAnchor } from './rollbackAnchor.js';

const COUNTER_BYTES = 8;
/** Authorised by the index's own authValue (a password), never by dictionary-attack-counted owner auth. */
const COUNTER_ATTRIBUTES = (TPM_NT.COUNTER << TPMA_NV_TPM_NT_SHIFT) | TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD | TPMA_NV.NO_DA;

/**
 * A rollback anchor in an NV counter index of another TPM (the host's), reached through a
 * TpmClient. The counter only goes up, so an old state copied back cannot lower it. A counter's
 * first increment starts it at the TPM's largest counter value, so the first advance may jump.
 */
export class TpmNvCounterAnchor implements RollbackAnchor {
  constructor(
    private readonly client: TpmClient,
    readonly nvIndex: number,
    private readonly password = '',
  ) {}

  /** Defines the counter index under the owner hierarchy when it does not exist yet. */
  static async provision(client: TpmClient, nvIndex: number, opts: { ownerPassword?: string; password?: string } = {}): Promise<TpmNvCounterAnchor> {
    try {
      await client.run(NV_ReadPublic, { handles: { nvIndex }, params: {} });
    } catch (e) {
      if (!(e instanceof TpmResponseError) || (e.rc & 0xff) !== (TPM_RC.HANDLE & 0xff)) throw e;
      const publicInfo = { nvIndex, nameAlg: TPM_ALG.SHA256, attributes: COUNTER_ATTRIBUTES, authPolicy: Buffer.alloc(0), dataSize: COUNTER_BYTES };
      await client.run(NV_DefineSpace, {
        handles: { authHandle: TPM_RH.OWNER },
        params: { auth: Buffer.from(opts.password ?? ''), publicInfo },
        auth: [{ password: opts.ownerPassword ?? '' }],
      });
    }
    return new TpmNvCounterAnchor(client, nvIndex, opts.password);
  }

  async read(): Promise<bigint> {
    try {
      const { data } = await this.client.run(NV_Read, {
        handles: { authHandle: this.nvIndex, nvIndex: this.nvIndex },
        params: { size: COUNTER_BYTES, offset: 0 },
        auth: [{ password: this.password }],
      });
      return data.readBigUInt64BE(0);
    } catch (e) {
      if (e instanceof TpmResponseError && e.rc === TPM_RC.NV_UNINITIALIZED) return 0n; // never incremented
      throw e;
    }
  }

  async advance(to: bigint): Promise<void> {
    for (let value = await this.read(); value < to; value = await this.read()) {
      await this.client.run(NV_Increment, { handles: { authHandle: this.nvIndex, nvIndex: this.nvIndex }, params: {}, auth: [{ password: this.password }] });
    }
  }
}
