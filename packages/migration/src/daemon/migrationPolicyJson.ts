import { pcrsFromHex, pcrsToHex } from '@vtpm/hypervisor';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';

/** A MigrationPolicy as JSON (what `vtpm host policy` writes and the control protocol carries): PCR number -> SHA-256 hex, AK Names hex. */
export interface MigrationPolicyJson {
  id: string;
  referencePcrs: Record<string, string>;
  trustedAkNames?: string[];
}

export const migrationPolicyToJson = (p: MigrationPolicy): MigrationPolicyJson => ({
  id: p.id,
  referencePcrs: pcrsToHex(p.referencePcrs),
  ...(p.trustedAkNames ? { trustedAkNames: p.trustedAkNames.map((n) => n.toString('hex')) } : {}),
});

/** The policy, or an error naming the field that is wrong. */
export function migrationPolicyFromJson(json: unknown): MigrationPolicy {
  const j = json as Partial<MigrationPolicyJson> | null;
  const bad = (why: string) => new Error(`not a migration policy: ${why} (expected {id, referencePcrs: {pcr: sha256 hex}, trustedAkNames?: [hex]})`);
  if (typeof j !== 'object' || j === null) throw bad('not an object');
  if (typeof j.id !== 'string' || !j.id) throw bad('no id');
  if (typeof j.referencePcrs !== 'object' || j.referencePcrs === null || !Object.keys(j.referencePcrs).length) throw bad('no referencePcrs');
  for (const [pcr, value] of Object.entries(j.referencePcrs)) {
    if (!/^([0-9]|1[0-9]|2[0-3])$/.test(pcr)) throw bad(`referencePcrs key ${JSON.stringify(pcr)} is not a PCR number 0-23`);
    if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) throw bad(`PCR ${pcr} is not 64 hex digits`);
  }
  if (j.trustedAkNames !== undefined && (!Array.isArray(j.trustedAkNames) || j.trustedAkNames.some((n) => typeof n !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(n)))) throw bad('trustedAkNames is not a list of hex AK Names');
  return { id: j.id, referencePcrs: pcrsFromHex(j.referencePcrs), ...(j.trustedAkNames ? { trustedAkNames: j.trustedAkNames.map((n) => Buffer.from(n, 'hex')) } : {}) };
}
