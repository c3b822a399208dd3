import type { CommandDigests } from '../sessions/commandDigests.js';
import { rpHash } from '../sessions/sessionHmac.js';
import type { Tpm } from '../tpm.js';

/**
 * The pipeline's command-audit hook: for an audited command, cpHash with the audit hash is taken
 * now, before the command runs (it may change the Names of its handles, as the reference computes
 * it while checking the authorizations); the returned function extends the audit digest once the
 * command succeeded, with the rpHash of the final (possibly encrypted) response parameters.
 * Null for commands that are not audited.
 */
export function beginCommandAudit(tpm: Tpm, command: CommandDigests): ((responseParams: Buffer) => void) | null {
  const audit = tpm.commandAudit;
  if (!audit.isAudited(command.commandCode)) return null;
  const hashAlg = audit.hashAlg;
  const cpHash = command.cpHash(hashAlg);
  return (responseParams) => audit.record(cpHash, rpHash(hashAlg, command.commandCode, responseParams));
}
