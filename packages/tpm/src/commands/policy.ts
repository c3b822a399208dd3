import type { Implementation } from '../pipeline/handler.js';
import {
  policyAuthValue,
  policyCommandCode,
  policyCpHash,
  policyDuplicationSelect,
  policyGetDigest,
  policyLocality,
  policyNameHash,
  policyNvWritten,
  policyPassword,
  policyPhysicalPresence,
  policyRestart,
  policyTemplate,
} from './policyAssertions.js';
import { policySecret, policySigned, policyTicket } from './policyAuthorizations.js';
import { policyAuthorize, policyAuthorizeNv, policyOr } from './policyCombination.js';
import { policyCounterTimer, policyNv } from './policyConditions.js';
import { policyPcr } from './policyPcr.js';

/** The enhanced-authorization commands (Part 3, 23). */
export const POLICY_COMMANDS: readonly Implementation[] = [
  policySigned,
  policySecret,
  policyTicket,
  policyOr,
  policyPcr,
  policyLocality,
  policyNv,
  policyCounterTimer,
  policyCommandCode,
  policyPhysicalPresence,
  policyCpHash,
  policyNameHash,
  policyDuplicationSelect,
  policyAuthorize,
  policyAuthValue,
  policyPassword,
  policyGetDigest,
  policyNvWritten,
  policyTemplate,
  policyAuthorizeNv,
  policyRestart,
];
