import type { Scenario } from '../scenario.js';
import { createPrimaryEccCold, createPrimaryEccWarm, createPrimaryRsaCold, createPrimaryRsaWarm } from './createPrimary.js';
import { policyPcrUnseal } from './policyPcrUnseal.js';
import { quoteEcc, quoteRsa } from './quote.js';
import { sealUnseal } from './sealUnseal.js';
import { signEcdsa } from './signEcdsa.js';

/** The keys and sessions suite. */
export const KEY_SCENARIOS: readonly Scenario[] = [createPrimaryEccWarm, createPrimaryEccCold, createPrimaryRsaWarm, createPrimaryRsaCold, sealUnseal, signEcdsa, policyPcrUnseal];

/** The attestation suite's socket rows. */
export const QUOTE_SCENARIOS: readonly Scenario[] = [quoteEcc, quoteRsa];
