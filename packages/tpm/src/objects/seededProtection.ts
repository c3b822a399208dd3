import type { TpmtPublic } from '../structures/public.js';
import type { StorageParent } from './protectedStorage.js';

/**
 * The outer wrapper keyed by a seed exchanged with an asymmetric key (Part 1, 24 credentials and
 * 23.3.2 duplication): the key's nameAlg and symmetric key size, with the seed that
 * secretEncrypt/secretDecrypt produced standing in for a storage seedValue.
 */
export function seededProtection(keyPublic: TpmtPublic, seed: Buffer): StorageParent {
  return { nameAlg: keyPublic.nameAlg, symKeyBits: keyPublic.parameters.symmetric.keyBits, seed };
}
