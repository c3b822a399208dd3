/** The two ways the broker hands over a VM key. */
export type ReleaseMode = 'ephemeral-key' | 'tpm-duplication';

export const TPM_RELEASE_MODE = 'tpm-duplication' as const;

/**
 * Host -> broker (`POST /v1/releases/tpm`): evidence for a challenge, with the quote's
 * qualifyingData = SHA-256(nonce || TPM2B_PUBLIC of the parent the key is to be wrapped to).
 */
export interface TpmReleaseRequest {
  nonceId: string;
  vmId: string;
  hostId: string;
  /** @vtpm/attest evidence bundle (CBOR). */
  evidence: Buffer;
  /**
   * TPM2B_PUBLIC octets of the host TPM's storage key (RSA/ECC restricted decryption key with an
   * AES-CFB symmetric); absent: the EK public area the host's AK was enrolled with.
   */
  storageKeyPublic?: Buffer;
  /** Also apply the inner wrapper (a fresh AES-128-CFB key, returned as encryptionKey). */
  innerWrapper?: boolean;
}

/**
 * Broker -> host: TPM2_Import parameters for a KEYEDHASH sealed-data object holding the VM key,
 * whose authPolicy is PolicyPCR over `pcrs` at the values the host just quoted.
 */
export interface TpmReleaseGranted {
  vmId: string;
  keyVersion: number;
  policyVersion: number;
  mode: typeof TPM_RELEASE_MODE;
  /** Name of the parent the blob is wrapped to. */
  parentName: Buffer;
  /** TPM2B_PUBLIC octets of the sealed object (Import's objectPublic, Load's inPublic). */
  objectPublic: Buffer;
  duplicate: Buffer;
  inSymSeed: Buffer;
  /** The inner wrapper key (AES-128-CFB), empty when there is no inner wrapper. */
  encryptionKey: Buffer;
  /** bank name -> PCRs of the PolicyPCR in the object's authPolicy (the release policy's PCRs). */
  pcrs: Record<string, number[]>;
  /** The object's authPolicy. */
  policyDigest: Buffer;
  attestationResult?: Buffer;
}
