import { join } from 'node:path';
import { vmControlAlive } from './vmControl.js';

/** Where `vtpm host serve` answers `vtpm vm ...` for DIR. */
export const hostControlSocketPath = (hostDir: string): string => join(hostDir, 'run', 'host.sock');

/** Whether a host daemon answers on DIR's control socket (a socket file left by a killed daemon does not). */
export const hostDaemonAlive = (hostDir: string): Promise<boolean> => vmControlAlive(hostControlSocketPath(hostDir));
