import { createHash } from 'node:crypto';
import {
  FlushContext, Load, LoadExternal, PolicyAuthorize, PolicyGetDigest, PolicyPCR, TPM_ALG, TPM_RH, TPM_SE, TpmResponseError, Unseal, VerifySignature, startSession, type TpmClient,
} from '@vtpm/tpm';
import { BootMeasurementsChangedError } from './bootMeasurementsChangedError.js';
import { OperatorKey } from './operatorKey.js';
import { differingPcrs, pcrSelectionOf, readSha256Pcrs } from './pcrValues.js';
import type { SealedVmKey } from './sealedVmKey.js';
import { createStorageRoot } from './storageRoot.js';

/**
 * Unseals a VM key through a policy session: PolicyPCR over the sealed PCRs (the TPM reads its
 * own current values), then, for operator-authorized keys, PolicyAuthorize with a ticket from
 * VerifySignature over the approval that matches the session's digest. The TPM decides; when it
 * refuses, the error names the PCRs that differ from the values recorded at sealing (or from the
 * newest approval).
 */
export async function unsealVmKey(client: TpmClient, sealed: SealedVmKey): Promise<Buffer> {
  const pcrList = [...sealed.pcrs.keys()].sort((a, b) => a - b);
  const handles: number[] = [];
  try {
    const srk = await createStorageRoot(client);
    handles.push(srk.handle);
    const obj = await client.run(Load, { handles: { parentHandle: srk.handle }, auth: [{ password: '' }], params: { inPrivate: sealed.private, inPublic: sealed.public } });
    handles.push(obj.handle);
    const session = await startSession(client, { type: TPM_SE.POLICY });
    handles.push(session.handle);
    await client.run(PolicyPCR, { handles: { policySession: session.handle }, params: { pcrDigest: Buffer.alloc(0), pcrs: pcrSelectionOf(pcrList) } });
    if (sealed.operator) {
      const { policyDigest } = await client.run(PolicyGetDigest, { handles: { policySession: session.handle }, params: {} });
      const approval = sealed.operator.approvals.find((a) => a.approvedPolicy.equals(policyDigest));
      if (!approval) throw await refusal(client, sealed, pcrList, 'no operator approval matches the current PCR policy digest');
      const signer = await client.run(LoadExternal, { params: { inPrivate: null, inPublic: OperatorKey.fromPublicPem(sealed.operator.publicPem).tpmPublic(), hierarchy: TPM_RH.OWNER } });
      handles.push(signer.handle);
      const digest = createHash('sha256').update(approval.approvedPolicy).update(approval.policyRef).digest();
      const signature = { sigAlg: TPM_ALG.ECDSA, signature: { hash: TPM_ALG.SHA256, signatureR: approval.signature.subarray(0, 32), signatureS: approval.signature.subarray(32) } };
      const { validation } = await client.run(VerifySignature, { handles: { keyHandle: signer.handle }, params: { digest, signature } });
      await client.run(PolicyAuthorize, { handles: { policySession: session.handle }, params: { approvedPolicy: approval.approvedPolicy, policyRef: approval.policyRef, keySign: signer.name, checkTicket: validation } });
    }
    try {
      const { outData } = await client.run(Unseal, { handles: { itemHandle: obj.handle }, names: [obj.name], auth: [{ session }], params: {} });
      return outData;
    } catch (e) {
      if (e instanceof TpmResponseError) throw await refusal(client, sealed, pcrList, e.message);
      throw e;
    }
  } finally {
    for (const h of handles.reverse()) await client.run(FlushContext, { params: { flushHandle: h } }).catch(() => undefined);
  }
}

async function refusal(client: TpmClient, sealed: SealedVmKey, pcrList: number[], tpmMessage: string): Promise<BootMeasurementsChangedError> {
  const current = await readSha256Pcrs(client, pcrList);
  const reference = sealed.operator?.approvals.at(-1)?.pcrs ?? sealed.pcrs;
  return new BootMeasurementsChangedError(sealed.vmId, differingPcrs(reference, current), tpmMessage);
}
