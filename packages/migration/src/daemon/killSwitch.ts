import { MIGRATION_POINTS, type MigrationPoint, type MigrationRole } from '../progress/migrationPoint.js';

/** TEST ONLY: `VTPM_TEST_KILL_AT=<source|destination>:<point>` makes a host daemon SIGKILL itself when it reaches that point of a migration. */
export const KILL_AT_ENV = 'VTPM_TEST_KILL_AT';

export interface KillAt {
  role: MigrationRole;
  point: MigrationPoint;
}

/** The parsed variable; undefined when unset; an error naming the accepted values when malformed. */
export function parseKillAt(value: string | undefined): KillAt | undefined {
  if (value === undefined || value === '') return undefined;
  const [role, point, extra] = value.split(':');
  if (extra !== undefined || (role !== 'source' && role !== 'destination') || !MIGRATION_POINTS.includes(point as MigrationPoint)) {
    throw new Error(`${KILL_AT_ENV}=${value}: expected <source|destination>:<${MIGRATION_POINTS.join('|')}> (a test-only fault injection)`);
  }
  return { role, point: point as MigrationPoint };
}

/** The point hook for `role`: SIGKILLs this process at the chosen point (no cleanup, as a crash). */
export function killSwitch(killAt: KillAt | undefined, role: MigrationRole): ((point: MigrationPoint) => void) | undefined {
  if (!killAt || killAt.role !== role) return undefined;
  return (point) => {
    if (point === killAt.point) process.kill(process.pid, 'SIGKILL');
  };
}
