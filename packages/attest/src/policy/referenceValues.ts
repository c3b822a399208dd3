import { pcrBitmap, type PcrSelection } from '@vtpm/tpm';
import type { HashPolicyOptions } from '../quote/hashPolicy.js';
import type { TrustClaim } from '../results/trustVector.js';

/** bank (TPM_ALG_ID) -> PCR -> the values it may have (any one). */
export type AllowedPcrValues = ReadonlyMap<number, ReadonlyMap<number, readonly Buffer[]>>;

/**
 * bank -> PCR -> the event digests it may be extended with: the log must replay to the quoted
 * value and every event it records for that PCR must carry one of these digests.
 */
export type AllowedEventDigests = ReadonlyMap<number, ReadonlyMap<number, readonly Buffer[]>>;

/**
 * Reference values for one class of hosts (same firmware, boot chain and configuration), and
 * how the verifier appraises against them. Each quoted PCR is judged by its allowed values, or
 * else by its allowed event digests; a PCR with neither is quoted but not judged.
 */
export interface HostClassPolicy {
  hostClass: string;
  /** ear.appraisal-policy-id of the results. */
  policyId: string;
  /** What the verifier asks the attester to quote; the quote must cover exactly this. */
  pcrSelection: PcrSelection[];
  allowedPcrValues?: AllowedPcrValues;
  allowedEventDigests?: AllowedEventDigests;
  /** Which PCRs feed which trust claim; the PC Client assignment by default. */
  claimPcrs?: Partial<Record<TrustClaim, readonly number[]>>;
  /** Hash algorithms accepted for the quote signature and PCR banks. */
  hashes?: HashPolicyOptions;
}

/** Reference values of every host class the verifier knows, by class name. */
export type ReferenceValues = ReadonlyMap<string, HostClassPolicy>;

/** A PCR selection of `pcrs` in `bank` (for HostClassPolicy.pcrSelection). */
export function pcrSelection(bank: number, pcrs: readonly number[]): PcrSelection {
  return { hash: bank, pcrSelect: pcrBitmap(pcrs) };
}

/**
 * PCR usage in the TCG PC Client Platform Firmware Profile (and the Linux boot chain's
 * conventions for 8-14), mapped onto AR4SI claims: code measurements are executables,
 * settings and policies are configuration, IMA's file measurements are the file system.
 */
export const PC_CLIENT_CLAIM_PCRS: Readonly<Partial<Record<TrustClaim, readonly number[]>>> = {
  executables: [0, 2, 4, 9, 11],
  configuration: [1, 3, 5, 6, 7, 8, 12, 14],
  'file-system': [10],
};
