import { eventLogRates, type EventLogRates } from './eventLogRates.js';
import { quoteVerificationRates, type QuoteVerificationResult } from './quoteVerificationRates.js';
import type { Scenario } from './scenario.js';
import { runScenarioSuite, type ScenarioResult } from './scenarioSuite.js';
import type { Targets } from './targets.js';
import type { Budget } from './timing.js';

/** The attestation suite's three parts; a part not selected is absent (or empty). */
export interface AttestResults {
  /** (a) verifyQuote against bare node:crypto verification. */
  quoteVerification: QuoteVerificationResult[];
  /** (b) event log parse + replay. */
  eventLog?: EventLogRates;
  /** (c) Quote over the socket, vtpm against swtpm. */
  quotes: ScenarioResult[];
}

export const EVENT_LOG_ROW = 'EventLog_replay';

export async function runAttestSuite(
  selection: { quoteVerification: readonly string[]; eventLog: boolean; quotes: readonly Scenario[]; eventLogPath: string },
  targets: Targets,
  options: { host: string; budget: Budget; rounds: number },
  progress: (line: string) => void,
): Promise<AttestResults> {
  const quoteVerification = await quoteVerificationRates(selection.quoteVerification, options.budget, options.rounds, progress);
  if (selection.eventLog) progress(EVENT_LOG_ROW);
  const eventLog = selection.eventLog ? await eventLogRates(selection.eventLogPath, options.budget, options.rounds) : undefined;
  const quotes = await runScenarioSuite(selection.quotes, targets, options, progress);
  return { quoteVerification, ...(eventLog ? { eventLog } : {}), quotes };
}
