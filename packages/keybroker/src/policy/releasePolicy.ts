import { TPM_ALG, digestSize, pcrBitmap, type PcrSelection } from '@vtpm/tpm';
import type { HostClassPolicy } from '@vtpm/attest';

/** PCR bank names in policies (what tpm2-tools and operators write). */
const BANKS: Record<string, number> = { sha1: TPM_ALG.SHA1, sha256: TPM_ALG.SHA256, sha384: TPM_ALG.SHA384, sha512: TPM_ALG.SHA512 };

/** bank name -> PCR (as a decimal string) -> allowed hex digests. */
export type DigestsByPcr = Record<string, Record<string, string[]>>;

/**
 * What a tenant says about where its VM's key may go: the host class's reference values, in a
 * JSON form tenants can write by hand (and the CLI can read from a file). Versioned by the store.
 */
export interface ReleasePolicy {
  hostClass: string;
  /** bank name -> PCRs the host must quote. */
  pcrs: Record<string, number[]>;
  /** Each listed PCR must hold one of these values. */
  allowedPcrValues?: DigestsByPcr;
  /** Each listed PCR's event log entries must carry only these digests (and replay to the quote). */
  allowedEventDigests?: DigestsByPcr;
  /** Refuse AKs whose enrolment presented no validated EK certificate. */
  requireEkCertificate?: boolean;
}

/** TPM_ALG_ID of a bank name (sha1, sha256, sha384, sha512). */
export function bankId(name: string): number {
  const id = BANKS[name.toLowerCase()];
  if (id === undefined) throw new Error(`release policy: unknown PCR bank "${name}" (use ${Object.keys(BANKS).join(', ')})`);
  return id;
}

function digestMap(bySpec: DigestsByPcr | undefined, what: string): Map<number, Map<number, Buffer[]>> | undefined {
  if (!bySpec) return undefined;
  const out = new Map<number, Map<number, Buffer[]>>();
  for (const [bank, pcrs] of Object.entries(bySpec)) {
    const id = bankId(bank);
    const m = new Map<number, Buffer[]>();
    for (const [pcr, values] of Object.entries(pcrs)) {
      const n = Number(pcr);
      if (!Number.isInteger(n) || n < 0 || n > 23) throw new Error(`release policy: ${what}.${bank} has PCR "${pcr}"; PCRs are 0..23`);
      m.set(n, values.map((hex) => {
        const b = Buffer.from(hex, 'hex');
        if (b.length !== digestSize(id)) throw new Error(`release policy: ${what}.${bank}[${pcr}] has "${hex}", not a ${digestSize(id)}-octet digest`);
        return b;
      }));
    }
    out.set(id, m);
  }
  return out;
}

/** Checks a policy from a tenant (parsed JSON) and returns it typed; throws naming the bad field. */
export function checkReleasePolicy(value: unknown): ReleasePolicy {
  const p = value as ReleasePolicy;
  if (typeof p !== 'object' || p === null) throw new Error('release policy: not a JSON object');
  if (typeof p.hostClass !== 'string' || !p.hostClass) throw new Error('release policy: hostClass must be a non-empty string');
  if (typeof p.pcrs !== 'object' || p.pcrs === null || !Object.keys(p.pcrs).length) throw new Error('release policy: pcrs must name at least one bank and its PCRs');
  if (!p.allowedPcrValues && !p.allowedEventDigests) throw new Error('release policy: give allowedPcrValues or allowedEventDigests; a policy without reference values would release to any host');
  toHostClassPolicy(p, 'check');
  return p;
}

/** The verifier's form of a release policy; `policyId` names the VM and policy version in attestation results. */
export function toHostClassPolicy(p: ReleasePolicy, policyId: string): HostClassPolicy {
  const allowedPcrValues = digestMap(p.allowedPcrValues, 'allowedPcrValues');
  const allowedEventDigests = digestMap(p.allowedEventDigests, 'allowedEventDigests');
  return {
    hostClass: p.hostClass,
    policyId,
    pcrSelection: policySelection(p.pcrs),
    ...(allowedPcrValues ? { allowedPcrValues } : {}),
    ...(allowedEventDigests ? { allowedEventDigests } : {}),
  };
}

/** The policy's bank-name PCR lists as TPM selections. */
export function policySelection(pcrs: Record<string, number[]>): PcrSelection[] {
  return Object.entries(pcrs).map(([bank, list]) => ({ hash: bankId(bank), pcrSelect: pcrBitmap(list) }));
}
