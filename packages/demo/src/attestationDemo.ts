import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessTransport, Startup, Tpm, TPM_SU, TpmClient } from '@vtpm/tpm';
import { EventLogWriter, parseEventLog, replayEventLog, type EventLog } from '@vtpm/attest';
import { measuredBootSequence, type BootMeasurement } from './measuredBoot/bootSequence.js';
import { comparePcrs, type PcrComparison } from './pcrComparison.js';
import { extendPcr, readPcrs, type PcrValues } from './tpmPcrs.js';
import { findTpm2Eventlog, runTpm2Eventlog, type Tpm2EventlogResult } from './tpm2Eventlog.js';

export interface AttestationDemoOptions {
  /** Directory for the event log; a fresh one under the OS temp directory by default. */
  outDir?: string;
  /** Fixed TPM seed (reproducible TPM); random when absent. The PCRs are the same either way. */
  seed?: Uint8Array;
  /** Also have tpm2-tools parse and replay the log (when installed). Default true. */
  useTpm2Tools?: boolean;
}

export interface AttestationDemoResult {
  logFile: string;
  measurements: BootMeasurement[];
  /** The log as parsed back from the file. */
  log: EventLog;
  tpmPcrs: PcrValues;
  replayed: PcrValues;
  comparison: PcrComparison[];
  /** tpm2_eventlog's view of the file and its comparison with the TPM, or why it did not run. */
  tpm2Eventlog: { result: Tpm2EventlogResult; comparison: PcrComparison[] } | { skipped: string };
  ok: boolean;
}

/**
 * Measured boot and its verification, end to end: a platform measures its boot chain into a TPM
 * and writes the event log; a verifier reads the log back from the file, replays it, and checks the
 * result against the TPM's PCRs.
 */
export async function runAttestationDemo(options: AttestationDemoOptions = {}): Promise<AttestationDemoResult> {
  const tpm = new Tpm(options.seed ? { seed: options.seed } : {});
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });

  // The platform's side: measure each stage into the TPM and the log, with the same digests.
  const writer = new EventLogWriter();
  const measurements = measuredBootSequence();
  for (const m of measurements) {
    const record = writer.measure(m.pcrIndex, m.eventType, m.eventData, m.measured);
    await extendPcr(client, m.pcrIndex, record.digests);
  }
  const outDir = options.outDir ? (mkdirSync(options.outDir, { recursive: true }), options.outDir) : mkdtempSync(join(tmpdir(), 'vtpm-demo-'));
  const logFile = join(outDir, 'binary_bios_measurements');
  writeFileSync(logFile, writer.toBuffer());

  // The verifier's side: only the file and the TPM's PCR values.
  const log = parseEventLog(readFileSync(logFile));
  const replayed = replayEventLog(log);
  const banks = log.banks.map((d) => d.algorithmId);
  const pcrs = [...new Set(log.events.map((e) => e.pcrIndex))].sort((a, b) => a - b);
  const tpmPcrs = await readPcrs(client, banks, pcrs);
  const comparison = comparePcrs(tpmPcrs, replayed);

  let tpm2Eventlog: AttestationDemoResult['tpm2Eventlog'] = { skipped: 'disabled' };
  if (options.useTpm2Tools ?? true) {
    const exe = findTpm2Eventlog();
    if (!exe) tpm2Eventlog = { skipped: 'tpm2_eventlog (tpm2-tools) is not installed' };
    else {
      const result = runTpm2Eventlog(logFile, exe);
      tpm2Eventlog = { result, comparison: comparePcrs(tpmPcrs, result.pcrs) };
    }
  }
  const toolOk = 'skipped' in tpm2Eventlog || (tpm2Eventlog.result.exitCode === 0 && tpm2Eventlog.result.complaints.length === 0 && tpm2Eventlog.comparison.every((c) => c.match));
  return { logFile, measurements, log, tpmPcrs, replayed, comparison, tpm2Eventlog, ok: comparison.every((c) => c.match) && toolOk };
}
