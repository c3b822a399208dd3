/** A plain-text table: first column left-aligned, the others right-aligned (numbers). */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

export function formatRate(opsPerSecond: number | undefined): string {
  return opsPerSecond === undefined ? 'n/a' : Math.round(opsPerSecond).toLocaleString('en-US');
}

export function formatRatio(value: number | undefined, baseline: number | undefined): string {
  return value === undefined || baseline === undefined || baseline === 0 ? 'n/a' : `${(value / baseline).toFixed(2)}x`;
}

/** a / b of two measured rates, undefined when either is missing. */
export function rateRatio(a: { opsPerSecond: number } | undefined, b: { opsPerSecond: number } | undefined): number | undefined {
  return a && b && b.opsPerSecond > 0 ? a.opsPerSecond / b.opsPerSecond : undefined;
}
