/**
 * Hash algorithms an event log can carry, by TPM_ALG_ID: the node:crypto name and digest size.
 * The log declares its own algorithms and sizes in the Spec ID event; this table is what we can
 * compute (writing digests, replaying banks).
 */
export interface LogHashAlgorithm {
  readonly algorithmId: number;
  readonly name: string;
  readonly digestSize: number;
}

export const LOG_HASH_ALGORITHMS: readonly LogHashAlgorithm[] = [
  { algorithmId: 0x0004, name: 'sha1', digestSize: 20 },
  { algorithmId: 0x000b, name: 'sha256', digestSize: 32 },
  { algorithmId: 0x000c, name: 'sha384', digestSize: 48 },
  { algorithmId: 0x000d, name: 'sha512', digestSize: 64 },
  { algorithmId: 0x0012, name: 'sm3', digestSize: 32 },
];

const byId = new Map(LOG_HASH_ALGORITHMS.map((a) => [a.algorithmId, a]));

export function logHashAlgorithm(algorithmId: number): LogHashAlgorithm {
  const a = byId.get(algorithmId);
  if (!a) throw new Error(`hash algorithm 0x${algorithmId.toString(16).padStart(4, '0')} is not supported for event logs`);
  return a;
}

export function hashAlgorithmName(algorithmId: number): string {
  return byId.get(algorithmId)?.name ?? `0x${algorithmId.toString(16).padStart(4, '0')}`;
}
