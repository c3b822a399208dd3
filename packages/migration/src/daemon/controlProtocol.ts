import type { AutoConvergeOptions } from '../source/convergence.js';
import { join } from 'node:path';
import type { VmConfig, VmState } from '@vtpm/hypervisor';
import type { KeyRelease } from '../handshake/handshakeMessages.js';
import type { MigrationProgress, MigrationReport } from '../progress/migrationProgress.js';
import type { MigrationPolicyJson } from './migrationPolicyJson.js';

/**
 * The host daemon's control protocol, on a Unix socket (DIR/run/host.sock by default): JSON
 * lines. A request is `{id, op, ...params}`; the daemon answers with zero or more
 * `{id, event}` lines (migration progress) and one final `{id, ok: true, result}` or
 * `{id, ok: false, error}`. Binary data travels base64. Requests on one connection may overlap.
 */
export const DEFAULT_CONTROL_SOCKET = (hostDir: string): string => join(hostDir, 'run', 'host.sock');

/** Longest line either side accepts (a guest read or write of up to 8 MiB, base64). */
export const MAX_CONTROL_LINE = 12 << 20;
export const MAX_GUEST_IO_BYTES = 8 << 20;

/** A VM as `listVms` shows it: `in-doubt` is paused-outgoing or prepared-incoming whose settlement is pending. */
export interface VmSummary {
  vmId: string;
  state: VmState;
  memoryPages: number;
  vcpus: number;
  /** The guest writes on its own (startWorkload). */
  workload: boolean;
  /** For paused-outgoing and prepared-incoming: the migration's epoch and peer. */
  migration?: { epoch: string; peer?: string };
  /** Why a VM the record says is running could not be resumed (e.g. the host's boot measurements changed). */
  problem?: string;
}

export interface DaemonStatus {
  hostDir: string;
  name: string;
  /** "host:port" of the migration listener. */
  address: string;
  controlSocket: string;
  vms: VmSummary[];
  /** Migrations whose outcome is being settled with their peer (VM ids, per role). */
  inDoubt: { outgoing: string[]; incoming: string[] };
}

export interface MigrateRequest {
  /** The destination daemon, "host:port". */
  to: string;
  policy: MigrationPolicyJson;
  keyRelease?: KeyRelease;
  maxDowntimeMs?: number;
  maxRounds?: number;
  stopCopyThresholdPages?: number;
  timeoutMs?: number;
  /** Throttle a guest that outruns the link (default on, QEMU's schedule); false: never. */
  autoConverge?: boolean | AutoConvergeOptions;
}

/** The report with its bigint as a decimal string. */
export type MigrationReportJson = Omit<MigrationReport, 'epoch'> & { epoch: string };

/** Every operation: its parameters (besides id and op), its result, and its events. */
export interface ControlOps {
  status: { params: Record<string, never>; result: DaemonStatus };
  listVms: { params: Record<string, never>; result: VmSummary[] };
  /** Defines a VM (powered off); its key from the daemon's broker when `keySource` is 'broker', else generated here. */
  createVm: { params: { config: VmConfig; keySource?: 'local' | 'broker' }; result: VmSummary };
  /** Powers the VM on (memory zeros, vTPM started) as a durable VM, or resumes nothing: it must be stopped. */
  startVm: { params: { vmId: string }; result: VmSummary };
  stopVm: { params: { vmId: string }; result: VmSummary };
  /** A guest write; waits while the VM is paused for stop-and-copy; refused once the VM moved away. */
  writeGuest: { params: { vmId: string; gpa: number; data: string }; result: { bytes: number } };
  readGuest: { params: { vmId: string; gpa: number; length: number }; result: { data: string } };
  /** SHA-256 (hex) of the guest's plaintext memory as the guest reads it: the tests' oracle. */
  memoryHash: { params: { vmId: string }; result: { sha256: string } };
  /** The administrator's snapshot (ciphertext only) to `outFile` on the daemon's host. */
  dumpVm: { params: { vmId: string; outFile: string }; result: { bytes: number } };
  startWorkload: { params: { vmId: string; pagesPerTick: number; intervalMs: number }; result: { vmId: string } };
  stopWorkload: { params: { vmId: string }; result: { writes: number } };
  migrate: { params: { vmId: string } & MigrateRequest; result: MigrationReportJson; event: MigrationProgress };
  /** Orderly stop: no new connections, VMs checkpointed and left durable for the next start. */
  shutdown: { params: Record<string, never>; result: Record<string, never> };
}

export type ControlOp = keyof ControlOps;
export const CONTROL_OPS: readonly ControlOp[] = ['status', 'listVms', 'createVm', 'startVm', 'stopVm', 'writeGuest', 'readGuest', 'memoryHash', 'dumpVm', 'startWorkload', 'stopWorkload', 'migrate', 'shutdown'];

export type ControlRequest<Op extends ControlOp = ControlOp> = { id: number; op: Op } & ControlOps[Op]['params'];
export type ControlEvent<Op extends ControlOp> = ControlOps[Op] extends { event: infer E } ? E : never;

/** What went wrong, machine-readable where it can be. */
export interface ControlError {
  message: string;
  /** e.g. 'aborted' (migration aborted, VM runs on here), 'in-doubt', 'moved', 'not-found', 'bad-request'. */
  code?: string;
  /** Migration aborts: the phase and, for an attestation refusal, the reason and failing PCRs. */
  phase?: string;
  reason?: string;
  failingPcrs?: number[];
}

export type ControlLine =
  | { id: number; event: unknown }
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ControlError };

export const encodeLine = (line: ControlLine | ControlRequest): string => `${JSON.stringify(line)}\n`;

/**
 * Splits a byte stream into JSON lines; a line longer than MAX_CONTROL_LINE is refused (and
 * nothing after it read). Only each new chunk is searched for the line end: searching all that is
 * pending again per chunk made a megabyte line cost quadratic time.
 */
export class LineReader {
  private parts: string[] = [];
  private pendingLength = 0;
  private refused = false;

  constructor(private readonly onLine: (line: string) => void, private readonly onTooLong: () => void) {}

  push(chunk: string): void {
    if (this.refused) return;
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      if (this.pendingLength + nl - start > MAX_CONTROL_LINE) return this.refuse();
      const line = this.parts.length ? this.parts.join('') + chunk.slice(start, nl) : chunk.slice(start, nl);
      this.parts = [];
      this.pendingLength = 0;
      start = nl + 1;
      if (line.trim()) this.onLine(line);
    }
    if (start < chunk.length) {
      this.parts.push(chunk.slice(start));
      this.pendingLength += chunk.length - start;
      if (this.pendingLength > MAX_CONTROL_LINE) this.refuse();
    }
  }

  private refuse(): void {
    this.refused = true;
    this.parts = [];
    this.pendingLength = 0;
    this.onTooLong();
  }
}
