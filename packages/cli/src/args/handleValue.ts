import { TPM_RH } from '@vtpm/tpm';
import { UsageError } from './usageError.js';

/** Where the AK comes from: a primary key of a hierarchy, a child of a persistent key, or a persistent AK. */
export type AkSource =
  | { kind: 'primary'; hierarchy: number }
  | { kind: 'child'; parent: number }
  | { kind: 'persistent'; handle: number };

const HIERARCHIES: Record<string, number> = { e: TPM_RH.ENDORSEMENT, endorsement: TPM_RH.ENDORSEMENT, o: TPM_RH.OWNER, owner: TPM_RH.OWNER };

/** A persistent object handle, 0x81000000-0x81ffffff (tpm2_evictcontrol's range). */
export function parsePersistentHandle(what: string, text: string): number {
  if (!/^0x81[0-9a-fA-F]{6}$/.test(text)) throw new UsageError(`${what}: '${text}' is not a persistent handle (0x81000000-0x81ffffff)`);
  return Number(text);
}

/** `--parent e|o|HANDLE`, as tpm2_createak's -C: a hierarchy (the AK is its primary key) or a persistent parent key. */
export function parseAkParent(what: string, text: string): AkSource {
  const hierarchy = HIERARCHIES[text];
  if (hierarchy !== undefined) return { kind: 'primary', hierarchy };
  if (!text.startsWith('0x')) throw new UsageError(`${what}: '${text}' is neither a hierarchy (e, o) nor a persistent handle (0x81000001)`);
  return { kind: 'child', parent: parsePersistentHandle(what, text) };
}
