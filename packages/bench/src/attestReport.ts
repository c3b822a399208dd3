import type { AttestResults } from './attestSuite.js';
import type { EventLogRates } from './eventLogRates.js';
import { GOALS, metLabel } from './goals.js';
import type { QuoteVerificationResult } from './quoteVerificationRates.js';
import type { ReportSection } from './reportSection.js';
import { scenarioTable, scenarioVerdict } from './scenarioTable.js';
import { formatRate, formatTable, rateRatio } from './table.js';

const percent = (v: number | undefined) => (v === undefined ? 'n/a' : `${Math.round(v * 100)}%`);

function quoteVerificationTable(results: readonly QuoteVerificationResult[]): string[] {
  const header = ['quote verification', 'node:crypto verify/s', 'verifyQuote/s', 'share', 'goal', 'met', 'node:crypto import+verify/s', 'share'];
  const rows = results.map((r) => [
    r.name,
    formatRate(r.nodeVerify?.opsPerSecond),
    formatRate(r.verifyQuote?.opsPerSecond),
    percent(rateRatio(r.verifyQuote, r.nodeVerify)),
    percent(GOALS.verifyQuoteOfNodeVerify),
    metLabel(rateRatio(r.verifyQuote, r.nodeVerify), GOALS.verifyQuoteOfNodeVerify),
    formatRate(r.nodeImportAndVerify?.opsPerSecond),
    percent(rateRatio(r.verifyQuote, r.nodeImportAndVerify)),
  ]);
  return [
    formatTable(header, rows),
    '',
    'node:crypto verify = crypto.verify of the same signature over the same TPMS_ATTEST, key imported once (the floor);',
    'verifyQuote = @vtpm/attest on the octets evidence carries (attest, TPMT_SIGNATURE, TPM2B_PUBLIC) + PCR values: parse,',
    '    AK checks, key import, signature, nonce, selection, pcrDigest; share = verifyQuote/s over that column. In this process, no TPM.',
    ...results.map((r) => `  ${r.name}: ${r.description}`),
  ];
}

function eventLogTable(e: EventLogRates): string[] {
  const header = ['event log', 'per second', 'goal', 'met'];
  const rows = [
    ['parse + replay', formatRate(e.parseAndReplay?.opsPerSecond), formatRate(GOALS.eventLogPerSecond), metLabel(e.parseAndReplay?.opsPerSecond, GOALS.eventLogPerSecond)],
    ['  parse alone', formatRate(e.parse?.opsPerSecond), '', ''],
    ['  replay alone (pre-parsed)', formatRate(e.replay?.opsPerSecond), '', ''],
  ];
  return [formatTable(header, rows), '', `  ${e.file}: ${e.bytes.toLocaleString('en-US')} octets, ${e.events} events, banks ${e.banks.join(', ')}; parseEventLog + replayEventLog (every bank) in this process`];
}

export function attestSection(a: AttestResults): ReportSection {
  const lines = ['== attestation (@vtpm/attest)', ''];
  const verdicts: string[] = [];
  if (a.quoteVerification.length) {
    lines.push(...quoteVerificationTable(a.quoteVerification), '');
    const met = a.quoteVerification.filter((r) => (rateRatio(r.verifyQuote, r.nodeVerify) ?? 0) >= GOALS.verifyQuoteOfNodeVerify);
    verdicts.push(`verifyQuote >= ${percent(GOALS.verifyQuoteOfNodeVerify)} of node:crypto in ${met.length}/${a.quoteVerification.length} rows`);
  }
  if (a.eventLog) {
    lines.push(...eventLogTable(a.eventLog), '');
    const rate = a.eventLog.parseAndReplay?.opsPerSecond;
    verdicts.push(`event log >= ${formatRate(GOALS.eventLogPerSecond)}/s: ${metLabel(rate, GOALS.eventLogPerSecond)} (${formatRate(rate)}/s)`);
  }
  if (a.quotes.length) {
    lines.push(`Quote over the mssim socket (target: vtpm socket >= ${GOALS.quoteOverSwtpm}x swtpm socket)`, '', ...scenarioTable(a.quotes, GOALS.quoteOverSwtpm), '');
    verdicts.push(`Quote socket >= ${GOALS.quoteOverSwtpm}x swtpm in ${scenarioVerdict(a.quotes, GOALS.quoteOverSwtpm)}`);
  }
  return { lines, summary: `attest:  ${verdicts.join('; ')}` };
}

