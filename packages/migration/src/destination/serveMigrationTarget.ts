import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';
import type { ReceiveOptions } from './receiveMigration.js';
import { acceptConnection } from './acceptConnection.js';
import { IncomingAdmission } from './incomingAdmission.js';
import { tamperOutgoing, type FrameTamper } from '../channel/frameTamper.js';

/** auth (required), requireSourceAttestation, allowUnencryptedStream, brokerKeySource, vmKeyForUnencryptedBenchmark: see DestinationHandshakeOptions; atPoint: see ReceiveOptions. */
export interface TargetOptions extends Omit<ReceiveOptions, 'timeoutMs' | 'authenticated' | 'admission'> {
  port: number;
  /** Staging budget for the migrations arriving at once (default half of this machine's memory; see IncomingAdmission). */
  maxStagedBytes?: number;
  host?: string;
  timeoutMs?: number;
  /** Test hook: every frame this target sends passes through here (as MigrateOptions.tamper on the source). */
  tamper?: FrameTamper;
  /** Called once per incoming migration: the VM id and `committed` or the reason it was dropped. */
  onOutcome?: (vmId: string, outcome: { committed: boolean; error?: Error }) => void;
}

export interface MigrationTarget {
  address: string;
  close(): Promise<void>;
}

/**
 * Listens for migrations into `target` (loopback by default). Each connection is one migration,
 * or one question about an in-doubt migration (see acceptConnection). close() stops listening
 * and cuts connections still open.
 */
export async function serveMigrationTarget(target: VmHost, options: TargetOptions): Promise<MigrationTarget> {
  const open = new Set<Socket>();
  const admission = new IncomingAdmission(options.maxStagedBytes);
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    let vmId = '?';
    const framed = new FramedSocket(socket);
    if (options.tamper) tamperOutgoing(framed, options.tamper);
    acceptConnection(target, framed, { ...options, timeoutMs: options.timeoutMs ?? 10_000, admission }, (id) => (vmId = id)).then(
      (purpose) => { if (purpose === 'migration') options.onOutcome?.(vmId, { committed: true }); },
      (error: Error) => { socket.destroy(); options.onOutcome?.(vmId, { committed: false, error }); },
    );
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port, options.host ?? '127.0.0.1', resolve); });
  const { address, port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((r) => {
    server.close(() => r());
    for (const s of open) s.destroy();
  });
  return { address: `${address}:${port}`, close };
}
