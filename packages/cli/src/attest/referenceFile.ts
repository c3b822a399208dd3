import { digestSize } from '@vtpm/tpm';
import type { HostClassPolicy } from '@vtpm/attest';
import { parseBankName, parsePcrSelection } from '../args/pcrSelectionValue.js';
import { UsageError } from '../args/usageError.js';
import { CommandFailure } from '../runtime/commandFailure.js';

/**
 * `--reference FILE.json`: one host class's reference values (docs/cli.md):
 *
 *   { "hostClass": "lab-vm", "policyId": "lab-vm/1", "pcrs": "sha256:0,1,2,3,4,5,6,7",
 *     "pcrValues": { "sha256": { "0": ["3d45…"], "7": "65ca…" } },
 *     "eventDigests": { "sha256": { "4": ["…", "…"] } }, "allowSha1": false }
 *
 * Unknown keys are refused, so a misspelt one cannot silently weaken the policy.
 */
const KEYS = ['hostClass', 'policyId', 'pcrs', 'pcrValues', 'eventDigests', 'allowSha1'];

export function parseReferenceFile(what: string, text: string): HostClassPolicy {
  const fail = (detail: string): never => {
    throw new CommandFailure(`${what}: ${detail}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) return fail('not a JSON object');
  for (const key of Object.keys(json)) if (!KEYS.includes(key)) fail(`unknown key '${key}' (${KEYS.join(', ')})`);
  if (typeof json.pcrs !== 'string') fail('"pcrs" must be a PCR selection such as "sha256:0,1,2,3,4,5,6,7"');
  if (json.allowSha1 !== undefined && typeof json.allowSha1 !== 'boolean') fail('"allowSha1" must be true or false');
  const policy: HostClassPolicy = {
    hostClass: optionalText(json, 'hostClass', fail) ?? 'unnamed',
    policyId: optionalText(json, 'policyId', fail) ?? 'unnamed',
    pcrSelection: rethrowing(fail, () => parsePcrSelection('"pcrs"', json.pcrs as string)),
    ...(json.allowSha1 ? { hashes: { allowSha1: true } } : {}),
  };
  if (json.pcrValues !== undefined) policy.allowedPcrValues = digestTable('"pcrValues"', json.pcrValues, fail);
  if (json.eventDigests !== undefined) policy.allowedEventDigests = digestTable('"eventDigests"', json.eventDigests, fail);
  return policy;
}

/** { bank: { pcr: hex | [hex, ...] } } -> bank id -> PCR -> digests, each of its bank's size. */
function digestTable(what: string, value: unknown, fail: (d: string) => never): Map<number, Map<number, Buffer[]>> {
  if (!isObject(value)) fail(`${what} must map banks to PCRs to hex digests`);
  const table = new Map<number, Map<number, Buffer[]>>();
  for (const [bankName, pcrs] of Object.entries(value as Record<string, unknown>)) {
    const bank = rethrowing(fail, () => parseBankName(what, bankName));
    if (!isObject(pcrs)) fail(`${what}.${bankName} must map PCR indices to hex digests`);
    const byPcr = new Map<number, Buffer[]>();
    for (const [pcr, digests] of Object.entries(pcrs as Record<string, unknown>)) {
      if (!/^\d+$/.test(pcr) || Number(pcr) > 23) fail(`${what}.${bankName}: '${pcr}' is not a PCR index (0-23)`);
      const list = typeof digests === 'string' ? [digests] : digests;
      if (!Array.isArray(list) || list.length === 0) fail(`${what}.${bankName}.${pcr} must be a hex digest or a non-empty list of them`);
      byPcr.set(Number(pcr), (list as unknown[]).map((d) => digest(`${what}.${bankName}.${pcr}`, d, bank, fail)));
    }
    table.set(bank, byPcr);
  }
  return table;
}

function digest(what: string, value: unknown, bank: number, fail: (d: string) => never): Buffer {
  const size = digestSize(bank);
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-fA-F]{${size * 2}}$`).test(value)) fail(`${what}: ${JSON.stringify(value)} is not a ${size}-octet hex digest`);
  return Buffer.from(value as string, 'hex');
}

function optionalText(json: Record<string, unknown>, key: string, fail: (d: string) => never): string | undefined {
  const v = json[key];
  if (v !== undefined && typeof v !== 'string') fail(`"${key}" must be text`);
  return v as string | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The option parsers' usage errors, here about a file's content: failures of that file. */
function rethrowing<T>(fail: (d: string) => never, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
}
