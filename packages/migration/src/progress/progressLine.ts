import type { MigrationProgress, MigrationReport } from './migrationProgress.js';

/**
 * Text rendering of migration progress and of the final report, shared by the CLI and the demo.
 * Pure functions: no terminal handling here (redrawing with \r is the caller's business).
 */

const MB = 1e6;

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/**
 * Fraction of the migration done, by pages: the pages to send are those sent so far plus those
 * still dirty (round 1 sends the whole memory, so this is memory size + re-sent + remaining dirty).
 */
export function progressFraction(p: MigrationProgress): number {
  if (p.phase === 'done') return 1;
  const toSend = p.pagesSent + p.remainingDirtyPages;
  return toSend > 0 ? Math.min(1, p.pagesSent / toSend) : 0;
}

/** `[#####.....]` of `width` cells (brackets included). */
export function formatBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  return `[${'#'.repeat(filled)}${'.'.repeat(inner - filled)}]`;
}

/**
 * One line, at most `columns` wide: bar, percentage, phase, round, MB sent, MB/s (the measured
 * bandwidth when the event has one, else the average so far), dirty rate, the auto-converge guest
 * throttle while there is one, and ETA when known. The bar takes what the text leaves (at least 10 cells; below
 * that the line is cut to `columns`).
 */
export function formatProgressLine(p: MigrationProgress, columns = 80): string {
  const fraction = progressFraction(p);
  const mbps = p.bandwidthMBps ?? (p.elapsedMs > 0 ? p.bytesSent / MB / (p.elapsedMs / 1000) : 0);
  const parts = [
    `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    p.phase,
    `round ${p.round}`,
    formatBytes(p.bytesSent),
    `${mbps.toFixed(1)} MB/s`,
    `dirty ${formatCount(p.dirtyPagesPerSecond)} pages/s`,
  ];
  if (p.throttlePercent) parts.push(`throttle ${p.throttlePercent}%`);
  if (p.etaMs !== undefined && p.phase !== 'done') parts.push(`ETA ${formatDuration(p.etaMs)}`);
  const text = parts.join(' ');
  const barWidth = Math.max(10, columns - text.length - 1);
  return `${formatBar(fraction, barWidth)} ${text}`.slice(0, Math.max(0, columns));
}

/** The final report as aligned `label  value` lines. */
export function formatMigrationReport(r: MigrationReport): string[] {
  const a = r.attestation;
  const rows: Array<[string, string]> = [
    ['migrated', `${r.vmId} to ${r.destination} (migration epoch ${r.epoch})`],
    ['total time', formatDuration(r.totalMs)],
    ['downtime', formatDuration(r.downtimeMs)],
    ['rounds', String(r.rounds)],
    ['pages sent', String(r.pagesSent)],
    ['bytes sent', `${formatBytes(r.bytesSent)} (${r.bytesSent} bytes)`],
    ['throughput', `${r.throughputMBps.toFixed(1)} MB/s`],
    ...(r.maxThrottlePercent ? [['throttle', `guest up to ${r.maxThrottlePercent}% (auto-converge)`] as [string, string]] : []),
    ['attestation', `${a.ok ? 'ok' : 'refused'} (policy ${a.policyId}): ${a.message}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
