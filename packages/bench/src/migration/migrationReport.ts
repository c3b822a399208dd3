import { GOALS } from '../goals.js';
import { formatTable } from '../table.js';
import type { MigrationBenchOptions, MigrationBenchReport } from './migrationBench.js';
import type { MigrationRun } from './migrationRun.js';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The verdicts against the issue's targets, for the report and for --json. */
export function migrationVerdicts(r: MigrationBenchReport) {
  const streamMBps = (encrypted: boolean) => median(r.throughput.filter((x) => x.encrypted === encrypted).map((x) => x.streamMBps));
  const encrypted = streamMBps(true);
  const unencrypted = streamMBps(false);
  const ratio = encrypted / unencrypted;
  const downtimeMs = median(r.downtime.map((x) => x.downtimeMs));
  const worstDowntimeMs = Math.max(...r.downtime.map((x) => x.downtimeMs));
  return {
    encryptedMBps: encrypted,
    unencryptedMBps: unencrypted,
    ratio,
    ratioMet: ratio >= GOALS.migrationEncryptedOfUnencrypted,
    downtimeMs,
    worstDowntimeMs,
    downtimeMet: worstDowntimeMs <= GOALS.migrationDowntimeMs,
  };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const ms = (v: number) => v.toFixed(0);
const yes = (met: boolean) => (met ? 'yes' : 'NO');

function throughputTable(runs: MigrationRun[]): string {
  const rows = runs.map((x, i) => [`${i + 1}`, x.encrypted ? 'AES-256-GCM' : 'none (baseline)', x.direction, x.streamMBps.toFixed(0), x.endToEndMBps.toFixed(0), ms(x.totalMs), ms(x.downtimeMs), mb(x.bytesSent)]);
  return formatTable(['run', 'stream encryption', 'hosts', 'stream MB/s', 'end-to-end MB/s', 'total ms', 'downtime ms', 'MB sent'], rows);
}

function downtimeTable(runs: MigrationRun[]): string {
  const rows = runs.map((x, i) => [`${i + 1}`, x.direction, ms(x.downtimeMs), x.finalPages.toLocaleString('en-US'), String(x.rounds), x.roundPages.join(' '), x.pagesSent.toLocaleString('en-US'), mb(x.bytesSent), ms(x.totalMs), (x.guestWrites ?? 0).toLocaleString('en-US'), yes(x.downtimeMs <= GOALS.migrationDowntimeMs)]);
  return formatTable(['run', 'hosts', 'downtime ms', 'paused pages', 'rounds', 'pages per round', 'pages sent', 'MB sent', 'total ms', 'guest writes', `<= ${GOALS.migrationDowntimeMs} ms`], rows);
}

export function formatMigrationBenchReport(r: MigrationBenchReport, options: MigrationBenchOptions): string {
  const v = migrationVerdicts(r);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const d = r.dirtying;
  return [
    `migration suite: a ${r.memoryMiB} MiB VM (${r.pages.toLocaleString('en-US')} pages, AES-XTS memory, page crypto ${r.pageCrypto}) moved between two measured-boot`,
    `hosts of this process over loopback TCP (${options.host}), each run a full migration: handshake, attestation, pre-copy, stop-and-copy, key, commit.`,
    'Both hosts share this process\'s one JavaScript thread: the source\'s and the destination\'s work (encryption and decryption) add up here.',
    `VM start (GuestMemory encrypts all of it once; not in any run): ${ms(r.vmStartMs)} ms`,
    '',
    `(a) stream throughput, encrypted (AES-256-GCM records, ${r.streamCodec}) against the same pipeline with encryption off; ${options.rounds} pairs, interleaved`,
    '    stream MB/s: pre-copy round 1 after its first 32 MiB (no handshake or commit); end-to-end: all bytes over the whole migration',
    throughputTable(r.throughput),
    `    warm-up (not counted): ${r.warmup.map((x) => `${x.encrypted ? 'encrypted' : 'unencrypted'} ${x.streamMBps.toFixed(0)} MB/s`).join(', ')}`,
    `    median: encrypted ${v.encryptedMBps.toFixed(0)} MB/s, unencrypted ${v.unencryptedMBps.toFixed(0)} MB/s: ${pct(v.ratio)} (target >= ${pct(GOALS.migrationEncryptedOfUnencrypted)}: ${v.ratioMet ? 'met' : 'NOT met'})`,
    '',
    `(b) downtime (guest paused -> destination committed), guest dirtying ${d.pagesPerTick.toLocaleString('en-US')} pages (1 %) every ${d.intervalMs} ms, maxDowntimeMs ${d.maxDowntimeMs}, encrypted`,
    '    paused pages: the dirty pages sent while the guest was paused (the last of "pages per round"); rounds include stop-and-copy',
    downtimeTable(r.downtime),
    `    median ${ms(v.downtimeMs)} ms, worst ${ms(v.worstDowntimeMs)} ms (target <= ${GOALS.migrationDowntimeMs} ms: ${v.downtimeMet ? 'met' : 'NOT met'})`,
    '',
    '(c) AES-256-GCM alone, one core, 256 KiB records (the stream seals and opens every byte once each, on this one thread):',
    `    node:crypto ${r.gcm.nodeMBps.toFixed(0)} MB/s (a new output buffer per record); native addon ${r.gcm.nativeMBps !== undefined ? `${r.gcm.nativeMBps.toFixed(0)} MB/s (into one buffer)` : 'not used (not built, or VTPM_PAGE_CRYPTO=node)'};`,
    `    ${r.gcm.openssl ? `openssl speed -evp aes-256-gcm ${r.gcm.openssl.mbps.toFixed(0)} MB/s (${r.gcm.openssl.version})` : 'openssl: not measured (not installed, or --no-openssl)'}`,
    '',
    'TARGETS MET',
    `  encrypted stream ${pct(v.ratio)} of unencrypted (>= ${pct(GOALS.migrationEncryptedOfUnencrypted)}): ${yes(v.ratioMet)}`,
    `  downtime worst ${ms(v.worstDowntimeMs)} ms (<= ${GOALS.migrationDowntimeMs} ms): ${yes(v.downtimeMet)}`,
  ].join('\n');
}
