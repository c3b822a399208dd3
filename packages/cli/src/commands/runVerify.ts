import { appraise, signResult, type HostClassPolicy, type Evidence } from '@vtpm/attest';
import { parseVerifyOptions, type VerifyOptions } from '../args/verifyOptions.js';
import { loadEvidence } from '../attest/evidenceSource.js';
import { affirmPinnedAk, withPinnedAk } from '../attest/pinnedAk.js';
import { parseReferenceFile } from '../attest/referenceFile.js';
import { resultSigningKey } from '../attest/resultKey.js';
import { appraisalText, contraindications, verifiedQuoteText } from '../attest/verdictText.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile, writeOutputFile } from '../runtime/files.js';
import { VERIFY_HELP } from './attestHelpText.js';

const COMMAND = 'vtpm attest verify';

/**
 * `vtpm attest verify`: the verifier's side. Exit 0 when the quote verifies and no reference value
 * is violated; 1 (one line on stderr) when the evidence is refused or a PCR claim is contraindicated.
 */
export async function runVerify(argv: readonly string[]): Promise<void> {
  const opts = parseVerifyOptions(argv);
  if (opts.help) return void process.stdout.write(VERIFY_HELP);
  // Every input is read before judging, so a missing file is not mistaken for a refusal.
  const pinnedAk = opts.akPublic ? readInputFile(COMMAND, '--ak-public', opts.akPublic) : null;
  const reference = opts.reference ? parseReferenceFile(`${COMMAND}: --reference ${opts.reference}`, readInputFile(COMMAND, '--reference', opts.reference).toString('utf8')) : null;
  const signingKey = opts.resultKey ? resultSigningKey(`${COMMAND}: --result-key ${opts.resultKey}`, readInputFile(COMMAND, '--result-key', opts.resultKey)) : null;

  let evidence = loadEvidence(COMMAND, opts, pinnedAk);
  if (evidence.ok && pinnedAk) evidence = withPinnedAk(evidence.value, pinnedAk);
  // Evidence that cannot be read gets no result: there is no quote to appraise.
  if (!evidence.ok) throw new CommandFailure(`${COMMAND}: refused: ${evidence.message}`);

  const outcome = appraise(evidence.value, policyFor(opts, reference, evidence.value), { nonce: opts.nonce, enrolledAk: () => undefined });
  if (pinnedAk) affirmPinnedAk(outcome);
  if (signingKey) writeOutputFile(COMMAND, '--out', opts.out!, signResult(outcome.result, signingKey));

  const [name, appraisal] = Object.entries(outcome.result.submods)[0]!;
  const written = signingKey ? [`result: ${opts.out} (EAR in COSE_Sign1, ES256)`] : [];
  if (outcome.refusal) {
    if (written.length) process.stdout.write(`${written.join('\n')}\n`);
    throw new CommandFailure(`${COMMAND}: refused: ${outcome.refusal.message}`);
  }
  process.stdout.write([...verifiedQuoteText(outcome.quote!), ...appraisalText(name, appraisal), ...written].join('\n') + '\n');
  const problems = contraindications(appraisal);
  if (problems.length) throw new CommandFailure(`${COMMAND}: contraindicated: ${problems.join('; ')}`);
}

/**
 * The reference file's policy, or none: then the evidence's own PCR selection is taken as the
 * requested one (unless --pcrs says otherwise) and no PCR is judged, only the quote.
 */
function policyFor(opts: VerifyOptions, reference: HostClassPolicy | null, evidence: Evidence): HostClassPolicy {
  const policy: HostClassPolicy = reference ?? { hostClass: 'unspecified', policyId: 'none (no --reference)', pcrSelection: evidence.pcrSelection };
  return {
    ...policy,
    ...(opts.pcrs ? { pcrSelection: opts.pcrs } : {}),
    ...(opts.allowSha1 ? { hashes: { ...policy.hashes, allowSha1: true } } : {}),
  };
}
