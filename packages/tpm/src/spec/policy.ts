import { TPM_RC } from '../constants/rc.js';
import { i32, list, none, restricted, struct, tpm2b, u16, u32, u8, yesNo, type Codec } from '../codec/codec.js';
import { fail } from '../errors.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_ENTITY, TPMI_DH_OBJECT, TPMI_RH_NV_AUTH, TPMI_RH_NV_INDEX, TPMI_SH_POLICY } from '../pipeline/handleTypes.js';
import { LIMITS, TPM2B_DIGEST, TPM2B_NAME, TPM2B_NONCE } from '../structures/basic.js';
import { TPML_PCR_SELECTION } from '../structures/pcrSelection.js';
import { TPMT_SIGNATURE } from '../structures/signature.js';
import { TPMT_TK_AUTH, TPMT_TK_VERIFIED } from '../structures/tickets.js';

/** TPM2B_TIMEOUT: the TPM-specific timeout of a policy ticket (a UINT64 here). */
export const TPM2B_TIMEOUT = tpm2b('TPM2B_TIMEOUT', 8);
/** TPM2B_OPERAND (a TPM2B_DIGEST): operandB of PolicyNV and PolicyCounterTimer. */
export const TPM2B_OPERAND = TPM2B_DIGEST;

/** TPM_EO (Part 2, 6.8): the comparison of PolicyNV and PolicyCounterTimer. */
export const TPM_EO = {
  EQ: 0x0000,
  NEQ: 0x0001,
  SIGNED_GT: 0x0002,
  UNSIGNED_GT: 0x0003,
  SIGNED_LT: 0x0004,
  UNSIGNED_LT: 0x0005,
  SIGNED_GE: 0x0006,
  UNSIGNED_GE: 0x0007,
  SIGNED_LE: 0x0008,
  UNSIGNED_LE: 0x0009,
  BITSET: 0x000a,
  BITCLEAR: 0x000b,
} as const;
export const TPM_EO_CODEC = restricted('TPM_EO', u16, Object.values(TPM_EO), TPM_RC.VALUE);

/** TPMA_LOCALITY: any octet (values above 31 are extended localities). */
export const TPMA_LOCALITY_CODEC: Codec<number> = { ...u8, name: 'TPMA_LOCALITY' };

/** TPML_DIGEST as PolicyOR takes it: 2 to 8 digests, TPM_RC_SIZE otherwise. */
const POLICY_OR_LIST: Codec<Buffer[]> = (() => {
  const base = list('TPML_DIGEST', TPM2B_DIGEST, LIMITS.MAX_DIGEST_LIST);
  return {
    name: 'TPML_DIGEST',
    read(r) {
      const v = base.read(r);
      if (v.length < 2) fail(TPM_RC.SIZE, 'PolicyOR needs at least two digests');
      return v;
    },
    write: base.write,
  };
})();

const policySession = [{ name: 'policySession', type: TPMI_SH_POLICY }] as const;
/** The policy commands that take only the session and change only its digest and flags. */
const sessionOnly = <N extends Parameters<typeof defineCommand>[0]['name']>(name: N) =>
  defineCommand({ name, handles: policySession, params: struct(name, {}), response: none });

const authorizationParams = { nonceTPM: TPM2B_NONCE, cpHashA: TPM2B_DIGEST, policyRef: TPM2B_NONCE, expiration: i32 };
const authorizationResponse = { timeout: TPM2B_TIMEOUT, policyTicket: TPMT_TK_AUTH };

export const PolicySecret = defineCommand({
  name: 'PolicySecret',
  handles: [{ name: 'authHandle', type: TPMI_DH_ENTITY, auth: 'USER' }, ...policySession],
  params: struct('PolicySecret', authorizationParams),
  response: struct('PolicySecret.response', authorizationResponse),
});

export const PolicySigned = defineCommand({
  name: 'PolicySigned',
  handles: [{ name: 'authObject', type: TPMI_DH_OBJECT }, ...policySession],
  params: struct('PolicySigned', { ...authorizationParams, auth: TPMT_SIGNATURE }),
  response: struct('PolicySigned.response', authorizationResponse),
});

export const PolicyTicket = defineCommand({
  name: 'PolicyTicket',
  handles: policySession,
  params: struct('PolicyTicket', { timeout: TPM2B_TIMEOUT, cpHashA: TPM2B_DIGEST, policyRef: TPM2B_NONCE, authName: TPM2B_NAME, ticket: TPMT_TK_AUTH }),
  response: none,
});

export const PolicyOR = defineCommand({
  name: 'PolicyOR',
  handles: policySession,
  params: struct('PolicyOR', { pHashList: POLICY_OR_LIST }),
  response: none,
});

export const PolicyPCR = defineCommand({
  name: 'PolicyPCR',
  handles: policySession,
  params: struct('PolicyPCR', { pcrDigest: TPM2B_DIGEST, pcrs: TPML_PCR_SELECTION }),
  response: none,
});

export const PolicyLocality = defineCommand({
  name: 'PolicyLocality',
  handles: policySession,
  params: struct('PolicyLocality', { locality: TPMA_LOCALITY_CODEC }),
  response: none,
});

const operandParams = { operandB: TPM2B_OPERAND, offset: u16, operation: TPM_EO_CODEC };

export const PolicyNV = defineCommand({
  name: 'PolicyNV',
  handles: [{ name: 'authHandle', type: TPMI_RH_NV_AUTH, auth: 'USER' }, { name: 'nvIndex', type: TPMI_RH_NV_INDEX }, ...policySession],
  params: struct('PolicyNV', operandParams),
  response: none,
});

export const PolicyCounterTimer = defineCommand({
  name: 'PolicyCounterTimer',
  handles: policySession,
  params: struct('PolicyCounterTimer', operandParams),
  response: none,
});

export const PolicyCommandCode = defineCommand({
  name: 'PolicyCommandCode',
  handles: policySession,
  params: struct('PolicyCommandCode', { code: u32 }),
  response: none,
});

export const PolicyPhysicalPresence = sessionOnly('PolicyPhysicalPresence');
export const PolicyAuthValue = sessionOnly('PolicyAuthValue');
export const PolicyPassword = sessionOnly('PolicyPassword');

export const PolicyCpHash = defineCommand({
  name: 'PolicyCpHash',
  handles: policySession,
  params: struct('PolicyCpHash', { cpHashA: TPM2B_DIGEST }),
  response: none,
});

export const PolicyNameHash = defineCommand({
  name: 'PolicyNameHash',
  handles: policySession,
  params: struct('PolicyNameHash', { nameHash: TPM2B_DIGEST }),
  response: none,
});

export const PolicyTemplate = defineCommand({
  name: 'PolicyTemplate',
  handles: policySession,
  params: struct('PolicyTemplate', { templateHash: TPM2B_DIGEST }),
  response: none,
});

export const PolicyDuplicationSelect = defineCommand({
  name: 'PolicyDuplicationSelect',
  handles: policySession,
  params: struct('PolicyDuplicationSelect', { objectName: TPM2B_NAME, newParentName: TPM2B_NAME, includeObject: yesNo }),
  response: none,
});

export const PolicyAuthorize = defineCommand({
  name: 'PolicyAuthorize',
  handles: policySession,
  params: struct('PolicyAuthorize', { approvedPolicy: TPM2B_DIGEST, policyRef: TPM2B_NONCE, keySign: TPM2B_NAME, checkTicket: TPMT_TK_VERIFIED }),
  response: none,
});

export const PolicyAuthorizeNV = defineCommand({
  name: 'PolicyAuthorizeNV',
  handles: [{ name: 'authHandle', type: TPMI_RH_NV_AUTH, auth: 'USER' }, { name: 'nvIndex', type: TPMI_RH_NV_INDEX }, ...policySession],
  params: struct('PolicyAuthorizeNV', {}),
  response: none,
});

export const PolicyNvWritten = defineCommand({
  name: 'PolicyNvWritten',
  handles: policySession,
  params: struct('PolicyNvWritten', { writtenSet: yesNo }),
  response: none,
});

export const PolicyGetDigest = defineCommand({
  name: 'PolicyGetDigest',
  handles: policySession,
  params: struct('PolicyGetDigest', {}),
  response: struct('PolicyGetDigest.response', { policyDigest: TPM2B_DIGEST }),
});

export const PolicyRestart = defineCommand({
  name: 'PolicyRestart',
  handles: [{ name: 'sessionHandle', type: TPMI_SH_POLICY }],
  params: struct('PolicyRestart', {}),
  response: none,
});
