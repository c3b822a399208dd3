import { metLabel } from './goals.js';
import type { ScenarioResult } from './scenarioSuite.js';
import { formatRate, formatRatio, formatTable, rateRatio } from './table.js';

/** Marks a row whose commands the typed client builds every iteration. */
export const CLIENT_BUILT_MARK = '*';

/** Scenario rows: swtpm and vtpm over the same socket, the goal and whether it is met, then vtpm in-process. */
export function scenarioTable(results: readonly ScenarioResult[], goal: number): string[] {
  const header = ['scenario', 'cmds', 'swtpm ops/s', 'vtpm socket ops/s', 'ratio', 'goal', 'met', 'vtpm in-process ops/s', 'ratio', 'no-op TPM ops/s', 'ceiling'];
  const rows = results.map((r) => [
    `${r.name}${r.clientBuilt ? ` ${CLIENT_BUILT_MARK}` : ''}`,
    String(r.commands),
    formatRate(r.swtpm?.opsPerSecond),
    formatRate(r.vtpmSocket?.opsPerSecond),
    formatRatio(r.vtpmSocket?.opsPerSecond, r.swtpm?.opsPerSecond),
    `${goal}x`,
    metLabel(rateRatio(r.vtpmSocket, r.swtpm), goal),
    formatRate(r.vtpmInProcess?.opsPerSecond),
    formatRatio(r.vtpmInProcess?.opsPerSecond, r.swtpm?.opsPerSecond),
    formatRate(r.vtpmNoop?.opsPerSecond),
    formatRatio(r.vtpmNoop?.opsPerSecond, r.swtpm?.opsPerSecond),
  ]);
  const lines = [formatTable(header, rows), ''];
  lines.push(`ops/s = iterations per second (an iteration is "cmds" TPM commands); ratio = vtpm / swtpm socket ops/s of the row.`);
  if (results.some((r) => r.vtpmNoop)) {
    lines.push('no-op TPM = the same in-process vtpm server around a TPM that replays recorded answers and does no work: the socket, framing and event');
    lines.push('    loop alone. ceiling = its ratio to swtpm, the most the vtpm socket ratio can be on this machine and placement (goal unreachable when below it).');
  }
  if (results.some((r) => r.clientBuilt)) {
    lines.push(`${CLIENT_BUILT_MARK} = the typed client (TpmClient) builds and parses every command of the iteration (session nonces, ECDH salt, HMACs): client-side work`);
    lines.push('    included in both targets\' rates alike. Other rows resend pre-marshalled bytes, patching only handles and blobs from the previous answer.');
  } else lines.push('Every row resends pre-marshalled bytes, patching only handles and blobs from the previous answer: no client-side marshalling in the rates.');
  for (const r of results) {
    lines.push(`  ${r.name}: ${r.description}${r.error ? `\n    !!! NOT MEASURED: ${r.error}` : ''}`);
    const few = [r.swtpm, r.vtpmSocket].filter((x) => x && x.ops < 10);
    if (few.length) lines.push(`    (few iterations per round: ${[r.swtpm, r.vtpmSocket].map((x) => x?.ops ?? '-').join(' / ')}; raise --seconds for a steadier number)`);
  }
  return lines;
}

/** "3/6 rows; NOT met: A (0.40x), B (1.20x)" */
export function scenarioVerdict(results: readonly ScenarioResult[], goal: number): string {
  const compared = results.filter((r) => rateRatio(r.vtpmSocket, r.swtpm) !== undefined);
  const missed = compared.filter((r) => rateRatio(r.vtpmSocket, r.swtpm)! < goal);
  const list = missed
    .map((r) => {
      const ceiling = rateRatio(r.vtpmNoop, r.swtpm);
      const reach = ceiling !== undefined && ceiling < goal ? `; unreachable here: a no-op TPM reaches ${ceiling.toFixed(2)}x` : '';
      return `${r.name} (${rateRatio(r.vtpmSocket, r.swtpm)!.toFixed(2)}x${reach})`;
    })
    .join(', ');
  if (compared.length === 0) return 'not compared (no swtpm numbers)';
  return `${compared.length - missed.length}/${compared.length} rows${missed.length ? `; NOT met: ${list}` : ''}`;
}
