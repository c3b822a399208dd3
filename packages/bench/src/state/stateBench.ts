import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Startup, TPM_SU, TpmClient } from '@vtpm/tpm';
import { StateFiles, StateStore, SwtpmServer, SwtpmTransport, TpmStateKeeper } from '@vtpm/server';
import { SwtpmProcess } from '../swtpmProcess.js';
import { formatTable } from '../table.js';
import { timeBlobTransfer, type BlobTransferTiming } from './blobTransferTiming.js';
import { measureIdleInstances, type IdleMemory } from './idleInstancesMemory.js';
import { timeInProcessState, type InProcessStateTiming } from './inProcessStateTiming.js';
import { populateTpm } from './stateContent.js';

export interface StateBenchOptions {
  host: string;
  /** swtpm on portBase (data) and portBase + 1 (control); vtpm picks free ports. */
  portBase: number;
  /** Save/restore repetitions per target; medians are reported. */
  rounds: number;
  /** Instances of the memory measurement. */
  instances: number;
}

export interface StateBenchReport {
  swtpm: (BlobTransferTiming & { version: string }) | null;
  vtpm: BlobTransferTiming;
  vtpmInProcess: InProcessStateTiming;
  idle: IdleMemory;
  notes: string[];
}

/** Target: under 2 MiB per idle instance. */
export const IDLE_INSTANCE_TARGET_KIB = 2048;

/**
 * `--suite state`: the same TPM content (NV, persistent keys, PCRs) in swtpm and in vtpm, saved
 * (GET_STATEBLOB x3) and restored (STOP, SET_STATEBLOB x3, INIT) over each one's control channel;
 * vtpm's parts in this process; and the memory of idle instances in one process.
 */
export async function runStateBench(opts: StateBenchOptions, progress: (line: string) => void = () => {}): Promise<StateBenchReport> {
  const notes: string[] = [];
  let swtpm: StateBenchReport['swtpm'] = null;
  if (SwtpmProcess.locate()) {
    progress(`swtpm on ${opts.host}:${opts.portBase}`);
    const ref = await SwtpmProcess.start(opts.host, opts.portBase);
    try {
      await withClient(opts.host, ref.port, populateTpm);
      swtpm = { ...(await timeBlobTransfer(opts.host, ref.port + 1, opts.rounds)), version: ref.version };
    } finally {
      await ref.stop();
    }
  } else notes.push('!!! swtpm IS NOT INSTALLED: only vtpm was measured');

  progress('vtpm (in-process SwtpmServer with a state directory)');
  const dir = mkdtempSync(join(tmpdir(), 'vtpm-bench-state-dir-'));
  try {
    const { keeper } = await TpmStateKeeper.start({ store: new StateStore({ files: new StateFiles(dir) }), resumeVolatile: true });
    const server = await SwtpmServer.start({ keeper, host: opts.host, port: 0, ctrlPort: 0 });
    try {
      await withClient(opts.host, server.port, async (client) => {
        await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
        await populateTpm(client);
      });
      const vtpm = await timeBlobTransfer(opts.host, server.ctrlPort, opts.rounds);
      const vtpmInProcess = await timeInProcessState(server.tpm, opts.rounds);
      progress(`${opts.instances} idle instances`);
      const idle = await measureIdleInstances(opts.instances);
      if (idle.idleKiB > IDLE_INSTANCE_TARGET_KIB) notes.push(`!!! an idle instance costs ${idle.idleKiB.toFixed(0)} KiB, above the 2 MiB target`);
      return { swtpm, vtpm, vtpmInProcess, idle, notes };
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withClient(host: string, port: number, use: (client: TpmClient) => Promise<void>): Promise<void> {
  const transport = await SwtpmTransport.connect(host, port);
  try {
    await use(new TpmClient(transport));
  } finally {
    await transport.close();
  }
}

export function formatStateReport(r: StateBenchReport, opts: StateBenchOptions): string {
  const ms = (v: number) => v.toFixed(2);
  const row = (name: string, t: BlobTransferTiming) => [name, ms(t.saveMs), ms(t.restoreMs), String(t.sizes.permanent), String(t.sizes.volatile), String(t.sizes.savestate)];
  const swtpmName = `swtpm ${/version ([\d.]+)/.exec(r.swtpm?.version ?? '')?.[1] ?? ''}`.trim();
  const rows = [...(r.swtpm ? [row(swtpmName, r.swtpm)] : []), row('vtpm (in-process server)', r.vtpm)];
  const p = r.vtpmInProcess;
  return [
    `state suite: save = GET_STATEBLOB x3 (decrypted), restore = STOP + SET_STATEBLOB x3 + INIT(DELETE_VOLATILE), over the control channel; median of ${opts.rounds}`,
    'content: 4 NV indices (32 B to 2 KiB, written), ECC P-256 and RSA 2048 storage keys persistent, PCRs 0-7 extended',
    '',
    formatTable(['target', 'save ms', 'restore ms', 'permanent B', 'volatile B', 'savestate B'], rows),
    '',
    `vtpm in this process: serialize ${ms(p.serializeMs)} ms, restoreTpm ${ms(p.restoreMs)} ms, AES-256-GCM seal ${ms(p.sealMs)} ms, crash-safe file write (fsync, rename, dir fsync) ${ms(p.durableWriteMs)} ms`,
    `memory of ${r.idle.instances} instances in one process (heap + buffers per instance): ${r.idle.liveKiB.toFixed(1)} KiB live, ${r.idle.idleKiB.toFixed(1)} KiB idle (serialized); RSS growth ${r.idle.rssKiB.toFixed(1)} KiB each; target < ${IDLE_INSTANCE_TARGET_KIB / 1024} MiB: ${r.idle.idleKiB < IDLE_INSTANCE_TARGET_KIB ? 'met' : 'NOT met'}`,
    ...r.notes,
  ].join('\n');
}
