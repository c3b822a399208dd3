import { TPM_ST } from '../constants/types.js';
import { firmwareVersion, signedAttestation } from '../attestation/attestInfo.js';
import { attestationSigner } from '../attestation/signer.js';
import { implement } from '../pipeline/handler.js';
import { GetTime } from '../spec/attestation.js';
import { currentClockInfo } from './clock.js';

/**
 * TPM2_GetTime (Part 3, 18.7): Time, Clock and the firmware version, signed. The attested part is
 * never obfuscated (the endorsement authorization guards it); only the common header may be.
 */
export const getTime = implement(GetTime, (tpm, { handles, params }) => {
  const signer = attestationSigner(tpm, handles.signHandle, params.inScheme, 2, 2);
  const attested = { time: { time: tpm.clock.time, clockInfo: currentClockInfo(tpm) }, firmwareVersion: firmwareVersion(tpm) };
  const { attest, signature } = signedAttestation(tpm, signer, params.qualifyingData, TPM_ST.ATTEST_TIME, attested);
  return { timeInfo: attest, signature };
});
