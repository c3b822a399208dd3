import { marshal } from '../codec/codec.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_PT } from '../constants/properties.js';
import { TPM_GENERATED_VALUE } from '../constants/types.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { signDigest } from '../crypto/signatures.js';
import { tpmPropertiesFrom } from '../capability/tpmProperties.js';
import { currentClockInfo } from '../commands/clock.js';
import { handleName } from '../objects/objectName.js';
import { TPMS_ATTEST, type Attest, type Attested } from '../structures/attest.js';
import type { Signature } from '../structures/signature.js';
import type { Tpm } from '../tpm.js';
import { needsObfuscation, obfuscate } from './obfuscation.js';
import { isAnonymous, type AttestationSigner } from './signer.js';

/** An attestation as the commands answer it: the TPM2B_ATTEST octets and the signature over them. */
export interface SignedAttestation {
  readonly attest: Buffer;
  readonly signature: Signature;
}

const EMPTY = Buffer.alloc(0);
let firmware: bigint | undefined;

/** TPM_PT_FIRMWARE_VERSION_1 (high half) and _2 (low half), exactly as GetCapability reports them. */
export function firmwareVersion(tpm: Tpm): bigint {
  if (firmware === undefined) {
    const props = new Map(tpmPropertiesFrom(tpm, TPM_PT.FIRMWARE_VERSION_1, 0).map((p) => [p.property, BigInt(p.value)]));
    firmware = (props.get(TPM_PT.FIRMWARE_VERSION_1)! << 32n) | props.get(TPM_PT.FIRMWARE_VERSION_2)!;
  }
  return firmware;
}

/**
 * Builds a TPMS_ATTEST of `type` around `attested` and signs it (the reference's FillInAttestInfo and
 * SignAttestInfo). The header names the signer (its qualified Name; TPM_RH_NULL when unsigned),
 * carries the caller's qualifyingData as extraData and the current clock, with the counters and
 * firmware version obfuscated for signers outside the endorsement and platform hierarchies.
 * The signature is over H(attest) with the scheme's hash; anonymous schemes leave signer and
 * extraData out of the structure and sign H(qualifyingData || H(attest)) instead.
 * Signing failures are unnumbered (TPM_RC_VALUE, TPM_RC_SCHEME), as the reference returns them.
 */
export function signedAttestation(tpm: Tpm, signer: AttestationSigner, qualifyingData: Buffer, type: number, attested: Attested): SignedAttestation {
  const { key, scheme } = signer;
  const anonymous = isAnonymous(signer);
  const qualifiedSigner = !key ? handleName(TPM_RH.NULL) : anonymous ? EMPTY : key.qualifiedName;
  let header = { clockInfo: currentClockInfo(tpm), firmwareVersion: firmwareVersion(tpm) };
  if (needsObfuscation(key)) header = obfuscate(tpm, qualifiedSigner, header.clockInfo, header.firmwareVersion);
  const info: Attest = { magic: TPM_GENERATED_VALUE, type, qualifiedSigner, extraData: anonymous ? EMPTY : qualifyingData, ...header, attested };
  const attest = marshal(TPMS_ATTEST, info);
  if (!key) return { attest, signature: { sigAlg: scheme.scheme, signature: null } };
  const hashAlg = scheme.details!.hashAlg;
  let digest = hash(hashAlg, attest);
  if (anonymous && qualifyingData.length !== 0) digest = hash(hashAlg, qualifyingData, digest);
  return { attest, signature: signDigest(key, scheme, digest, tpm.random) };
}
