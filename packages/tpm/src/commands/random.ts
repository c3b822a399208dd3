import { MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import { implement } from '../pipeline/handler.js';
import { GetRandom, StirRandom } from '../spec/random.js';

/** Part 3, 16.1: larger requests get the largest digest's worth (sizeof(TPMU_HA), 64 octets), not an error. */
export const getRandom = implement(GetRandom, (tpm, { params }) => ({
  randomBytes: tpm.random.bytes(Math.min(params.bytesRequested, MAX_DIGEST_SIZE)),
}));

/** Part 3, 16.2: mixes caller data into the RNG state. */
export const stirRandom = implement(StirRandom, (tpm, { params }) => {
  tpm.random.stir(params.inData);
  return {};
});
