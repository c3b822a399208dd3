import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { TPM_ALG, TPM_ECC_CURVE, TPMA_OBJECT, objectName, type TpmtPublic } from '@vtpm/tpm';
import { pcrPolicyDigest } from './policyDigests.js';
import { pcrsFromHex, pcrsToHex, type Sha256Pcrs } from './pcrValues.js';

/** The operator's approval of one PCR policy: what PolicyAuthorize needs, plus the values it is for. */
export interface PolicyApproval {
  approvedPolicy: Buffer;
  policyRef: Buffer;
  /** ECDSA P-256 over SHA-256(approvedPolicy || policyRef), r || s. */
  signature: Buffer;
  pcrs: Sha256Pcrs;
}

/** The policyRef VM keys are sealed with: binds approvals to this use of the operator key. */
export const VM_KEY_POLICY_REF = Buffer.from('vtpm/hypervisor vm key');

/**
 * The operator's policy-signing key, an ECDSA P-256 key that lives outside every TPM (an HSM or an
 * offline machine in practice). Hosts know only its public part, as a TPMT_PUBLIC whose Name the
 * sealed VM keys' PolicyAuthorize names.
 */
export class OperatorKey {
  private constructor(private readonly privateKey: KeyObject | undefined, readonly publicKey: KeyObject) {}

  static generate(): OperatorKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return new OperatorKey(privateKey, publicKey);
  }

  /** A verify-only operator key (what a host holds). */
  static fromPublicPem(pem: string): OperatorKey {
    return new OperatorKey(undefined, createPublicKey(pem));
  }

  publicPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** The key as the TPM loads it (LoadExternal): ECDSA-SHA256 signing key, no private part. */
  tpmPublic(): TpmtPublic {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const none = { scheme: TPM_ALG.NULL, details: null };
    return {
      type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, objectAttributes: TPMA_OBJECT.sign | TPMA_OBJECT.userWithAuth, authPolicy: Buffer.alloc(0),
      parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: TPM_ECC_CURVE.NIST_P256, kdf: none },
      unique: { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') },
    };
  }

  name(): Buffer {
    return objectName(this.tpmPublic());
  }

  /** Approves the PCR policy for `pcrs` (e.g. the values an upgraded host will measure). */
  approve(pcrs: Sha256Pcrs, policyRef = VM_KEY_POLICY_REF): PolicyApproval {
    if (!this.privateKey) throw new Error('this operator key is verify-only: approvals are signed where the private key is kept');
    const approvedPolicy = pcrPolicyDigest(pcrs);
    const signature = sign('sha256', Buffer.concat([approvedPolicy, policyRef]), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { approvedPolicy, policyRef, signature, pcrs: new Map(pcrs) };
  }
}

export const approvalToJson = (a: PolicyApproval) => ({
  approvedPolicy: a.approvedPolicy.toString('hex'), policyRef: a.policyRef.toString('hex'), signature: a.signature.toString('hex'), pcrs: pcrsToHex(a.pcrs),
});
export const approvalFromJson = (j: ReturnType<typeof approvalToJson>): PolicyApproval => ({
  approvedPolicy: Buffer.from(j.approvedPolicy, 'hex'), policyRef: Buffer.from(j.policyRef, 'hex'), signature: Buffer.from(j.signature, 'hex'), pcrs: pcrsFromHex(j.pcrs),
});
