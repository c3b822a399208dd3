import type { Transport } from '@vtpm/tpm';
import { expectSuccess } from './workloads.js';

/**
 * A keys, sessions or attestation workload: a setup on a started TPM (keys, sealed objects), then
 * one measured iteration repeated. Iterations send pre-marshalled bytes (only handles or opaque
 * blobs patched in) unless `clientBuilt`, where the typed client builds every command because
 * sessions roll nonces and HMACs. Either way both targets get exactly the same client work.
 */
export interface Scenario {
  /** Short name, also accepted by --workload. */
  name: string;
  description: string;
  /** TPM commands per iteration. */
  commands: number;
  /** The typed client (TpmClient) builds and parses every command of an iteration: client-side work in the rate. */
  clientBuilt: boolean;
  /** Fewest measured iterations per round, for slow rows (RSA prime search), however long they take. */
  minOps?: number;
  open(tpm: Transport): Promise<ScenarioRun>;
}

export interface ScenarioRun {
  iterate(): Promise<void>;
  /** Flushes whatever open() and an interrupted iteration left loaded. */
  close(): Promise<void>;
}

/** Sends pre-marshalled bytes; the answer must be TPM_RC_SUCCESS. */
export async function sendOk(tpm: Transport, what: string, command: Buffer): Promise<Buffer> {
  const response = await tpm.send(command);
  expectSuccess(what, response);
  return response;
}
