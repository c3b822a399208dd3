import { spawnSync } from 'node:child_process';
import { LOG_HASH_ALGORITHMS } from '@vtpm/attest';
import type { PcrValues } from './tpmPcrs.js';

/** What tpm2-tools' `tpm2_eventlog` made of a log file: its own replay ("pcrs:") and any complaints. */
export interface Tpm2EventlogResult {
  command: string;
  exitCode: number | null;
  pcrs: PcrValues;
  /** WARNING/ERROR lines, e.g. an event whose digest does not match its payload. */
  complaints: string[];
  /** Events listed, the Spec ID header included. */
  eventCount: number;
}

const BANK_NAMES = new Map<string, number>([...LOG_HASH_ALGORITHMS.map((a) => [a.name, a.algorithmId] as const), ['sm3_256', 0x0012]]);

/** Path of tpm2_eventlog if installed, else null. */
export function findTpm2Eventlog(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v tpm2_eventlog'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function runTpm2Eventlog(file: string, executable = 'tpm2_eventlog'): Tpm2EventlogResult {
  const r = spawnSync(executable, [file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return {
    command: `${executable} ${file}`,
    exitCode: r.status,
    pcrs: parsePcrsSection(r.stdout),
    complaints: r.stderr.split('\n').filter((l) => /WARN|ERROR/i.test(l)),
    eventCount: (r.stdout.match(/^- EventNum:/gm) ?? []).length,
  };
}

/**
 * The YAML "pcrs:" section tpm2_eventlog ends with:
 *   pcrs:
 *     sha256:
 *       0  : 0x3D45...
 */
export function parsePcrsSection(yaml: string): PcrValues {
  const out: PcrValues = new Map();
  const at = yaml.search(/^pcrs:\s*$/m);
  if (at < 0) return out;
  let bank: Map<number, Buffer> | undefined;
  for (const line of yaml.slice(at).split('\n').slice(1)) {
    const b = /^\s+([a-z0-9_]+):\s*$/.exec(line);
    const p = /^\s+(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$/.exec(line);
    if (b) {
      const alg = BANK_NAMES.get(b[1]!);
      bank = alg === undefined ? undefined : new Map();
      if (alg !== undefined) out.set(alg, bank!);
    } else if (p) bank?.set(Number(p[1]), Buffer.from(p[2]!, 'hex'));
    else if (line.trim() && !/^\s/.test(line)) break;
  }
  return out;
}
