import { Create, TPM2B_PRIVATE, TPMT_PUBLIC, TPM_ALG, FlushContext, TPMA_OBJECT, marshal, unmarshal, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { approvalFromJson, approvalToJson, VM_KEY_POLICY_REF, type OperatorKey, type PolicyApproval } from './operatorKey.js';
import { authorizePolicyDigest, pcrPolicyDigest } from './policyDigests.js';
import { pcrsFromHex, pcrsToHex, type Sha256Pcrs } from './pcrValues.js';
import { createStorageRoot } from './storageRoot.js';

/**
 * A VM key sealed by the host TPM: the private part is encrypted under the storage root key
 * (which never leaves the TPM), so this record may be written to disk. `pcrs` are the values at
 * sealing time, kept to name what changed when an unseal fails.
 */
export interface SealedVmKey {
  vmId: string;
  public: TpmtPublic;
  private: Buffer;
  pcrs: Sha256Pcrs;
  /** Present when the key opens by PolicyAuthorize: the operator's public key (PEM) and approvals. */
  operator?: { publicPem: string; approvals: PolicyApproval[] };
}

/** Seals `vmKey` to the current PCR values, or to whatever PCR policy the operator approves. */
export async function sealVmKey(client: TpmClient, vmId: string, vmKey: Buffer, pcrs: Sha256Pcrs, operator?: OperatorKey): Promise<SealedVmKey> {
  const authPolicy = operator ? authorizePolicyDigest(operator.name(), VM_KEY_POLICY_REF) : pcrPolicyDigest(pcrs);
  const { fixedTPM, fixedParent, noDA } = TPMA_OBJECT; // userWithAuth clear: opens only through the policy
  const template: TpmtPublic = { type: TPM_ALG.KEYEDHASH, nameAlg: TPM_ALG.SHA256, objectAttributes: fixedTPM | fixedParent | noDA, authPolicy, parameters: { scheme: { scheme: TPM_ALG.NULL, details: null } }, unique: Buffer.alloc(0) };
  const srk = await createStorageRoot(client);
  try {
    const created = await client.run(Create, {
      handles: { parentHandle: srk.handle }, auth: [{ password: '' }],
      params: { inSensitive: { userAuth: Buffer.alloc(0), data: vmKey }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
    });
    const operatorPart = operator ? { publicPem: operator.publicPem(), approvals: [operator.approve(pcrs)] } : undefined;
    return { vmId, public: created.outPublic, private: created.outPrivate, pcrs: new Map(pcrs), operator: operatorPart };
  } finally {
    await client.run(FlushContext, { params: { flushHandle: srk.handle } });
  }
}

export function sealedVmKeyToJson(s: SealedVmKey) {
  return {
    vmId: s.vmId, public: marshal(TPMT_PUBLIC, s.public).toString('hex'), private: marshal(TPM2B_PRIVATE, s.private).toString('hex'), pcrs: pcrsToHex(s.pcrs),
    operator: s.operator && { publicPem: s.operator.publicPem, approvals: s.operator.approvals.map(approvalToJson) },
  };
}

export function sealedVmKeyFromJson(j: ReturnType<typeof sealedVmKeyToJson>): SealedVmKey {
  return {
    vmId: j.vmId, public: unmarshal(TPMT_PUBLIC, Buffer.from(j.public, 'hex')), private: unmarshal(TPM2B_PRIVATE, Buffer.from(j.private, 'hex')), pcrs: pcrsFromHex(j.pcrs),
    operator: j.operator && { publicPem: j.operator.publicPem, approvals: j.operator.approvals.map(approvalFromJson) },
  };
}
