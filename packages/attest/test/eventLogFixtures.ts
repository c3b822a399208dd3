import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real event logs in test/data/eventlogs and what expected.json says about each. */
export const EVENTLOG_DIR = fileURLToPath(new URL('../../test/data/eventlogs/', import.meta.url));

export interface ExpectedLog {
  format: 'crypto-agile' | 'sha1-legacy';
  hash_algorithms: string[];
  event_count: number;
  event_type_counts: Record<string, number>;
  startup_locality: number | null;
  pcr_indexes: number[];
  expected_pcrs: Record<string, Record<string, string>>;
  spec_id_event: { uintnSize: number; digest_sizes: { algorithmId: string; digestSize: number }[] } | null;
}

export const EXPECTED: Record<string, ExpectedLog> = JSON.parse(readFileSync(`${EVENTLOG_DIR}expected.json`, 'utf8')).logs;
export const LOG_NAMES = Object.keys(EXPECTED);

export function readLog(name: string): Buffer {
  return readFileSync(`${EVENTLOG_DIR}${name}`);
}

/** tpm2_eventlog's own replay (its YAML "pcrs:" section), bank name -> PCR -> hex; null when tpm2-tools is missing. */
export function tpm2EventlogPcrs(file: string): Record<string, Record<string, string>> | null {
  const r = spawnSync('tpm2_eventlog', [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return null;
  const out: Record<string, Record<string, string>> = {};
  const at = r.stdout.search(/^pcrs:\s*$/m);
  let bank: Record<string, string> | undefined;
  for (const line of at < 0 ? [] : r.stdout.slice(at).split('\n').slice(1)) {
    const b = /^\s+([a-z0-9_]+):\s*$/.exec(line);
    const p = /^\s+(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$/.exec(line);
    if (b) out[b[1]!] = bank = {};
    else if (p && bank) bank[p[1]!] = p[2]!.toLowerCase();
  }
  return out;
}

/** One event of tpm2_eventlog's YAML: its top-level and Event fields as strings, digests by bank. */
export interface Tpm2EventlogEvent {
  fields: Record<string, string>;
  digests: Record<string, string>;
}

/** The events tpm2_eventlog lists for a crypto-agile log (its "- EventNum:" entries); null when tpm2-tools is missing. */
export function tpm2EventlogEvents(file: string): Tpm2EventlogEvent[] | null {
  const r = spawnSync('tpm2_eventlog', [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return null;
  const body = r.stdout.slice(0, Math.max(0, r.stdout.search(/^pcrs:\s*$/m)) || undefined);
  return body
    .split(/^- (?=EventNum:)/m)
    .slice(1)
    .map((chunk) => {
      const e: Tpm2EventlogEvent = { fields: {}, digests: {} };
      let alg = '';
      const lines = chunk.split('\n');
      lines.forEach((line, i) => {
        const m = /^\s*-?\s*([A-Za-z]+):\s*"?(.*?)"?\s*$/.exec(line);
        if (!m) return;
        const [, key, value] = m as unknown as [string, string, string];
        if (key === 'AlgorithmId') alg = value;
        else if (key === 'Digest' && alg) e.digests[alg] = value;
        else if (key === 'String') e.fields.String = blockScalar(lines, i + 1);
        else e.fields[key] ??= value;
      });
      return e;
    });
}

/** tpm2_eventlog's "|-" string block: one quoted line per text line, tabs escaped as \t. */
function blockScalar(lines: string[], from: number): string {
  const indent = /^\s*/.exec(lines[from] ?? '')![0].length;
  const block: string[] = [];
  for (let i = from; i < lines.length && (/^\s*$/.test(lines[i]!) || /^\s*/.exec(lines[i]!)![0].length >= indent); i++) block.push(lines[i]!.slice(indent));
  return block
    .filter((l) => l.trim())
    .map((l) => l.replace(/^"|"$/g, '').replace(/\\t/g, '\t'))
    .join('\n');
}
