/**
 * Named points a migration passes on each side, in order. Test hooks (and the daemon's
 * VTPM_TEST_KILL_AT fault injection) act on them; nothing else depends on them.
 * - handshake: connected (source) / hello read (destination)
 * - attestation: destination attested (source) / quote sent and keys agreed (destination)
 * - pre-copy: first round starts / first page arrives
 * - stop-and-copy: guest paused / vCPU or vTPM state arrives
 * - key-handover: about to send the VM key / the stream's end (key) arrived
 * - prepared: prepared received, nothing decided (source) / durably prepared and `prepared` sent (destination)
 * - commit-decided: commit decision durable, `commit` not yet sent (source) / `commit` received, not yet durable (destination)
 * - committed: `committed` received, source not yet scrubbed (source) / durably committed, `committed` not yet sent (destination)
 */
export const MIGRATION_POINTS = ['handshake', 'attestation', 'pre-copy', 'stop-and-copy', 'key-handover', 'prepared', 'commit-decided', 'committed'] as const;
export type MigrationPoint = (typeof MIGRATION_POINTS)[number];
export type MigrationRole = 'source' | 'destination';

/** Called when a side reaches a point; may throw (the migration then fails there, as if the host had crashed). */
export type MigrationPointHook = (point: MigrationPoint) => void;

/** Calls `hook` the first time each point is reached (the destination reaches 'pre-copy' with every page record). */
export function oncePerPoint(hook?: MigrationPointHook): (point: MigrationPoint) => void {
  const reached = new Set<MigrationPoint>();
  return (point) => {
    if (!hook || reached.has(point)) return;
    reached.add(point);
    hook(point);
  };
}
