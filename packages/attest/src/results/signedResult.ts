import { judge, type Verdict } from '../refusal.js';
import { decodeAttestationResult, encodeAttestationResult, type AttestationResult } from './attestationResult.js';
import { openCoseSign1, signCoseSign1 } from './coseSign1.js';
import { verifierPublicKeyBytes, type VerifierPublicKey } from './verifierKey.js';

/** An attestation result as the verifier hands it out: EAR claims in CBOR, COSE_Sign1 with ES256. */
export function signResult(result: AttestationResult, verifierPrivateKey: Uint8Array): Buffer {
  return signCoseSign1(encodeAttestationResult(result), verifierPrivateKey);
}

/** For relying parties: the result, if the verifier's signature holds and the claims are well formed. */
export function verifyResult(bytes: Uint8Array, verifierPublicKey: VerifierPublicKey): Verdict<AttestationResult> {
  return judge(() => decodeAttestationResult(openCoseSign1(bytes, verifierPublicKeyBytes(verifierPublicKey))));
}
