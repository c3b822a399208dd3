import { GOALS } from './goals.js';
import type { ReportSection } from './reportSection.js';
import type { ScenarioResult } from './scenarioSuite.js';
import { scenarioTable, scenarioVerdict } from './scenarioTable.js';

export function keysSection(results: readonly ScenarioResult[]): ReportSection {
  return {
    lines: [`== keys and sessions over the mssim socket (target: vtpm socket >= ${GOALS.keysOverSwtpm}x swtpm socket, each row)`, '', ...scenarioTable(results, GOALS.keysOverSwtpm)],
    summary: `keys:    socket >= ${GOALS.keysOverSwtpm}x swtpm in ${scenarioVerdict(results, GOALS.keysOverSwtpm)}`,
  };
}
