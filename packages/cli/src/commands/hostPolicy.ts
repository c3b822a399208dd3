import { randomBytes } from 'node:crypto';
import { loadHost } from '@vtpm/hypervisor';
import { migrationPolicyFromReferenceHost, migrationPolicyToJson, quoteForMigration, verifyDestination } from '@vtpm/migration';
import type { HostOptions } from '../args/hypervisorOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { writeOutputFile } from '../runtime/files.js';

/**
 * `vtpm host policy --host-dir DIR --id ID [--out FILE] [--pin-ak]`: this booted host's
 * measured-boot PCRs as a migration policy. Before writing, the host quotes over a fresh nonce and
 * the quote is appraised against the new policy, exactly as a migration source would: a policy
 * that its own reference host fails (not booted, a log that does not replay) is never written.
 */
export async function hostPolicy(command: string, opts: HostOptions): Promise<void> {
  const host = await loadHost(opts.hostDir).catch((e: unknown) => {
    throw new CommandFailure(`${command}: ${(e as Error).message}`);
  });
  if (!host.eventLog) throw new CommandFailure(`${command}: ${opts.hostDir} is not booted: run vtpm host boot --host-dir ${opts.hostDir} first`);
  const policy = await migrationPolicyFromReferenceHost(opts.policyId!, host);
  const nonce = randomBytes(32);
  const self = verifyDestination(await quoteForMigration(host, nonce), nonce, policy);
  if (!self.ok || !self.akName) throw new CommandFailure(`${command}: this host fails its own policy (${self.message}): its TPM state and event log disagree`);
  const json = migrationPolicyToJson(opts.pinAk ? { ...policy, trustedAkNames: [Buffer.from(self.akName, 'hex')] } : policy);
  const text = `${JSON.stringify(json, null, 2)}\n`;
  if (opts.out === null) return void process.stdout.write(text);
  writeOutputFile(command, '--out', opts.out, text);
  process.stdout.write(
    `policy ${policy.id}: reference PCRs ${Object.keys(json.referencePcrs).join(', ')} of host ${opts.hostDir}` +
      `${opts.pinAk ? `, AK ${self.akName} only` : ', any AK whose quote verifies'}; written to ${opts.out} (vtpm vm migrate --policy ${opts.out})\n`,
  );
}
