import { EventLogFormatError, eventLogReport, type EventLogReport } from '@vtpm/attest';
import { parseEventlogOptions } from '../args/eventlogOptions.js';
import { eventLogText } from '../attest/eventLogText.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { EVENTLOG_HELP } from './attestHelpText.js';

const COMMAND = 'vtpm attest eventlog';

/** `vtpm attest eventlog FILE [--json]`: a TCG PC Client event log's records and the PCR values it replays to. */
export async function runEventlog(argv: readonly string[]): Promise<void> {
  const opts = parseEventlogOptions(argv);
  if (opts.help) return void process.stdout.write(EVENTLOG_HELP);
  const bytes = readInputFile(COMMAND, 'event log', opts.file);
  let report: EventLogReport;
  try {
    report = eventLogReport(bytes);
  } catch (e) {
    if (e instanceof EventLogFormatError) throw new CommandFailure(`${COMMAND}: ${opts.file}: malformed event log: ${e.message}`);
    throw e;
  }
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : eventLogText(opts.file, report));
}
