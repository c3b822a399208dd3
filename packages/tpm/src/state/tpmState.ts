import { Tpm, type TpmOptions } from '../tpm.js';
import { applyPermanent, capturePermanent } from './permanentState.js';
import { OLDEST_STATE_FORMAT_VERSION, STATE_FORMAT_VERSION } from './serialization/formatIds.js';
import { permanentFormat } from './serialization/permanentFormat.js';
import { volatileFormat } from './serialization/volatileFormat.js';
import { StateFormatError } from './stateFormatError.js';
import { applyPowerCycle, applyVolatile, captureVolatile } from './volatileState.js';

export { OLDEST_STATE_FORMAT_VERSION, STATE_FORMAT_VERSION, StateFormatError };

/**
 * Permanent state (docs/state.md): what survives a power cycle. Seeds, proofs, hierarchy
 * authValues/policies, disableClear, NV indices, persistent objects, dictionary-attack state, Clock,
 * PCR allocation, command audit settings, the RNG, the counters, the orderly marker, the
 * Shutdown(STATE) image and the RSA prime search (`rsaPrimeSearch`). Always the current format
 * version. Same state, same bytes.
 */
export function savePermanentState(tpm: Tpm): Buffer {
  return permanentFormat.write(capturePermanent(tpm));
}

/**
 * Volatile state (docs/state.md): PCR values, loaded objects and sessions, saved-session slots
 * and context counters, the null hierarchy, platform authorization and enables, Startup flags,
 * Time. Hash/HMAC/event sequences are not carried.
 */
export function saveVolatileState(tpm: Tpm): Buffer {
  return volatileFormat.write(captureVolatile(tpm));
}

/**
 * Builds a TPM from blobs of any version from OLDEST_STATE_FORMAT_VERSION to STATE_FORMAT_VERSION
 * (saving it again writes the current version). Without `volatile` the TPM is powered and needs
 * Startup, as after a power cycle. Throws StateFormatError on any malformed or mismatched blob,
 * never returning a half-restored TPM. The RNG continues as saved (a `seed` option does not
 * override it); `rsaPrimeSearch` is the permanent blob's (an `rsaPrimeSearch` option is ignored).
 */
export function restoreTpm(blobs: { permanent: Buffer; volatile?: Buffer | null }, options: TpmOptions = {}): Tpm {
  const permanent = permanentFormat.read(blobs.permanent);
  const volatile = blobs.volatile ? volatileFormat.read(blobs.volatile) : null;
  const expected = permanent.lifecycle.permanentStateVersion;
  if (volatile && volatile.binding.permanentStateVersion !== expected) {
    throw new StateFormatError(
      `volatile state blob inconsistent: it was saved with permanent state version ${volatile.binding.permanentStateVersion}, the permanent blob is version ${expected}`,
    );
  }
  try {
    // the key derivation is the blob's, whatever the options say (a version-1 blob's is method 1)
    const tpm = new Tpm({ ...options, initialized: true, rsaPrimeSearch: permanent.keyDerivation.rsaPrimeSearch });
    applyPermanent(tpm, permanent);
    if (volatile) applyVolatile(tpm, volatile);
    else applyPowerCycle(tpm);
    return tpm;
  } catch (e) {
    if (e instanceof StateFormatError) throw e;
    throw new StateFormatError(`state blobs inconsistent: ${(e as Error).message}`);
  }
}
