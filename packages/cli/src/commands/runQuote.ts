import { randomBytes } from 'node:crypto';
import { TPM2B_PUBLIC, marshal } from '@vtpm/tpm';
import { describePcrSelection } from '@vtpm/attest';
import { parseQuoteOptions, type QuoteOptions } from '../args/quoteOptions.js';
import { loadAk, releaseAk, type LoadedAk } from '../attest/attestationKey.js';
import { quoteEvidence } from '../attest/quoteEvidence.js';
import { connectTpm } from '../attest/tpmConnection.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile, writeOutputFile } from '../runtime/files.js';
import { QUOTE_HELP } from './attestHelpText.js';

const COMMAND = 'vtpm attest quote';

/** `vtpm attest quote`: evidence from a TPM over TCP (the attester's side). */
export async function runQuote(argv: readonly string[]): Promise<void> {
  const opts = parseQuoteOptions(argv);
  if (opts.help) return void process.stdout.write(QUOTE_HELP);
  const eventLog = opts.eventLog ? readInputFile(COMMAND, '--eventlog', opts.eventLog) : undefined;
  // Normally the verifier issues the nonce; without one, a fresh random one (printed for the verifier).
  const nonce = opts.nonce ?? randomBytes(32);

  const { ak, evidence } = await quoteOverTcp(opts, nonce, eventLog);
  writeOutputFile(COMMAND, '--out', opts.out, evidence);
  if (opts.akPublicOut) writeOutputFile(COMMAND, '--ak-public-out', opts.akPublicOut, marshal(TPM2B_PUBLIC, ak.public));
  process.stdout.write(
    [
      `evidence: ${opts.out} (${evidence.length} bytes)`,
      `AK: ${ak.name.toString('hex')} (${ak.origin})${opts.akPublicOut ? `, public area in ${opts.akPublicOut}` : ''}`,
      `PCRs: ${describePcrSelection(opts.pcrs)}`,
      `nonce: ${nonce.toString('hex')}`,
      ...(eventLog ? [`event log: ${opts.eventLog} (${eventLog.length} bytes)`] : []),
    ].join('\n') + '\n',
  );
}

/** Connect, load the AK, quote; the AK made here is flushed and the connection closed whatever happens. */
async function quoteOverTcp(opts: QuoteOptions, nonce: Buffer, eventLog: Buffer | undefined): Promise<{ ak: LoadedAk; evidence: Buffer }> {
  const tpm = await connectTpm(COMMAND, opts.tcti);
  try {
    const ak = await loadAk(tpm.client, opts.ak);
    try {
      return { ak, evidence: await quoteEvidence(tpm.client, ak, nonce, opts.pcrs, eventLog) };
    } finally {
      await releaseAk(tpm.client, ak);
    }
  } catch (e) {
    throw e instanceof CommandFailure ? e : new CommandFailure(`${COMMAND}: ${(e as Error).message}`);
  } finally {
    await tpm.close();
  }
}
