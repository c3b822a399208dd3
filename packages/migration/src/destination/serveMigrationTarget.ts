import { createServer, type AddressInfo, type Server } from 'node:net';
import { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';
import { receiveMigration } from './receiveMigration.js';

export interface TargetOptions {
  port: number;
  host?: string;
  timeoutMs?: number;
  /** Called once per incoming migration: the VM id and `committed` or the reason it was dropped. */
  onOutcome?: (vmId: string, outcome: { committed: boolean; error?: Error }) => void;
}

export interface MigrationTarget {
  address: string;
  close(): Promise<void>;
}

/** Listens for migrations into `target` (loopback by default). Each connection is one migration. */
export async function serveMigrationTarget(target: VmHost, options: TargetOptions): Promise<MigrationTarget> {
  const server: Server = createServer((socket) => {
    let vmId = '?';
    receiveMigration(target, new FramedSocket(socket), options.timeoutMs ?? 10_000, (id) => (vmId = id)).then(
      () => options.onOutcome?.(vmId, { committed: true }),
      (error: Error) => { socket.destroy(); options.onOutcome?.(vmId, { committed: false, error }); },
    );
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port, options.host ?? '127.0.0.1', resolve); });
  const { address, port } = server.address() as AddressInfo;
  return { address: `${address}:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
