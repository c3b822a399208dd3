import { createHash } from 'node:crypto';
import { GetRandom, Hash, InProcessTransport, PCR_Extend, PCR_Read, pcrBitmap, TPM_ALG, TPM_RH, TpmClient } from '@vtpm/tpm';
import { RecordingTransport } from './recordingTransport.js';
import { startedTpm } from './tpmStartup.js';

/** One benchmarked TPM command, issued through the typed client. */
export interface Workload {
  name: string;
  description: string;
  run(client: TpmClient): Promise<unknown>;
}

const EXTEND_DIGEST = createHash('sha256').update('vtpm bench').digest();
const HASH_INPUT = Buffer.alloc(1024, 0xa5);

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'PCR_Extend',
    description: 'sha256 digest into PCR 16, password session',
    run: (c) => c.run(PCR_Extend, { handles: { pcrHandle: 16 }, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: EXTEND_DIGEST }] }, auth: [{ password: '' }] }),
  },
  {
    name: 'PCR_Read',
    description: 'sha256 bank, PCRs 0-7',
    run: (c) => c.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 1, 2, 3, 4, 5, 6, 7]) }] } }),
  },
  {
    name: 'GetRandom',
    description: '32 bytes',
    run: (c) => c.run(GetRandom, { params: { bytesRequested: 32 } }),
  },
  {
    name: 'Hash',
    description: 'sha256 of 1 KiB, hierarchy NULL',
    run: (c) => c.run(Hash, { params: { data: HASH_INPUT, hashAlg: TPM_ALG.SHA256, hierarchy: TPM_RH.NULL } }),
  },
];

/** A workload with its command bytes, marshalled once so the benchmark resends them unchanged. */
export interface PreparedWorkload extends Workload {
  command: Buffer;
}

export { startedTpm, startupClearCommand } from './tpmStartup.js';

export interface PreparedWorkloads {
  prepared: PreparedWorkload[];
  /** Workloads whose command the typed client could not build or the TPM refused. */
  failed: { workload: Workload; error: Error }[];
}

/**
 * Marshals each workload's command with the typed client against a scratch TPM (which also proves
 * the bytes are accepted: the client throws on any response code but success).
 */
export async function prepareWorkloads(workloads: readonly Workload[] = WORKLOADS): Promise<PreparedWorkloads> {
  const recorder = new RecordingTransport(new InProcessTransport(await startedTpm()));
  const client = new TpmClient(recorder);
  const result: PreparedWorkloads = { prepared: [], failed: [] };
  for (const w of workloads) {
    recorder.last = undefined;
    try {
      await w.run(client);
      result.prepared.push({ ...w, command: recorder.last! });
    } catch (e) {
      result.failed.push({ workload: w, error: e as Error });
    }
  }
  return result;
}

/** The response code of a TPM response. */
export function responseCode(response: Buffer): number {
  return response.readUInt32BE(6);
}

/** Throws unless the response is TPM_RC_SUCCESS: a benchmark of failing commands measures nothing. */
export function expectSuccess(workload: string, response: Buffer): void {
  if (response.length < 10 || responseCode(response) !== 0) {
    throw new Error(`${workload}: TPM answered ${response.length < 10 ? 'a short response' : `rc 0x${responseCode(response).toString(16)}`}`);
  }
}
