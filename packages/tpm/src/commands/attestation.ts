import type { Implementation } from '../pipeline/handler.js';
import { getCommandAuditDigest, setCommandCodeAuditStatus } from './audit.js';
import { certify, certifyCreation } from './certify.js';
import { getTime } from './getTime.js';
import { nvCertify } from './nvCertify.js';
import { quote } from './quote.js';
import { getSessionAuditDigest } from './sessionAudit.js';

/** Attestation (Part 3, 18), NV_Certify and command audit (Part 3, 21). */
export const ATTESTATION_COMMANDS: readonly Implementation[] = [
  certify,
  certifyCreation,
  quote,
  getSessionAuditDigest,
  getCommandAuditDigest,
  getTime,
  nvCertify,
  setCommandCodeAuditStatus,
];
