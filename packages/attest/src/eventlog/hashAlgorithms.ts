/**
 * Hash algorithms an event log can carry, by TPM_ALG_ID: the node:crypto name and digest size.
 * A log declares its own algorithms and sizes in the Spec ID event; this table is what we can
 * compute (writing digests, replaying banks). A bank whose algorithm is not here is parsed (its
 * digests skipped by their declared size) but not replayed.
 */
export interface LogHashAlgorithm {
  readonly algorithmId: number;
  readonly name: string;
  readonly digestSize: number;
}

export const TPM_ALG_SHA1 = 0x0004;

export const LOG_HASH_ALGORITHMS: readonly LogHashAlgorithm[] = [
  { algorithmId: TPM_ALG_SHA1, name: 'sha1', digestSize: 20 },
  { algorithmId: 0x000b, name: 'sha256', digestSize: 32 },
  { algorithmId: 0x000c, name: 'sha384', digestSize: 48 },
  { algorithmId: 0x000d, name: 'sha512', digestSize: 64 },
  { algorithmId: 0x0012, name: 'sm3', digestSize: 32 },
  { algorithmId: 0x0027, name: 'sha3-256', digestSize: 32 },
  { algorithmId: 0x0028, name: 'sha3-384', digestSize: 48 },
  { algorithmId: 0x0029, name: 'sha3-512', digestSize: 64 },
];

const byId = new Map(LOG_HASH_ALGORITHMS.map((a) => [a.algorithmId, a]));
const byName = new Map(LOG_HASH_ALGORITHMS.map((a) => [a.name, a]));

/** The algorithm, or undefined when this table does not know it. */
export function findLogHashAlgorithm(algorithmId: number): LogHashAlgorithm | undefined {
  return byId.get(algorithmId);
}

export function logHashAlgorithm(algorithmId: number): LogHashAlgorithm {
  const a = byId.get(algorithmId);
  if (!a) throw new Error(`hash algorithm ${algorithmIdHex(algorithmId)} is not supported for event logs`);
  return a;
}

/** "sha256", or "0x00b3" for an algorithm this table does not know. */
export function hashAlgorithmName(algorithmId: number): string {
  return byId.get(algorithmId)?.name ?? algorithmIdHex(algorithmId);
}

/** Accepts a name ("sha256", "sm3_256" as tpm2-tools spells it) or a TPM_ALG_ID number or "0x000b". */
export function hashAlgorithmId(nameOrId: string | number): number | undefined {
  if (typeof nameOrId === 'number') return nameOrId;
  const key = nameOrId.toLowerCase();
  if (/^0x[0-9a-f]{1,4}$/.test(key)) return parseInt(key, 16);
  return byName.get(key === 'sm3_256' ? 'sm3' : key)?.algorithmId;
}

function algorithmIdHex(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}
