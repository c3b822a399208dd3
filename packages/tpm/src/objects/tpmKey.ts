import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import type { TransientObject } from './objectTable.js';
import type { StorageParent } from './protectedStorage.js';
import type { TpmtPublic } from '../structures/public.js';
import type { TpmtSensitive } from '../structures/sensitive.js';

/**
 * A loaded object: its public and sensitive areas, its Name and qualified name, and the
 * hierarchy it belongs to. Keys, sealed data and symmetric keys are all this.
 */
export class TpmKey implements TransientObject {
  readonly kind = 'object';

  constructor(
    readonly pub: TpmtPublic,
    public sensitive: TpmtSensitive,
    readonly nameBytes: Buffer,
    readonly qualifiedName: Buffer,
    /** TPM_RH_OWNER / ENDORSEMENT / PLATFORM / NULL. */
    readonly hierarchy: number,
    /** Loaded with LoadExternal: only the public part may be present, and it never leaves as a child. */
    readonly external = false,
  ) {}

  get authValue(): Buffer {
    return this.sensitive.authValue;
  }
  set authValue(v: Buffer) {
    this.sensitive = { ...this.sensitive, authValue: v };
  }

  name(): Buffer {
    return this.nameBytes;
  }

  has(attribute: keyof typeof TPMA_OBJECT): boolean {
    return (this.pub.objectAttributes & TPMA_OBJECT[attribute]) !== 0;
  }

  /** A storage parent: restricted decryption key with a symmetric algorithm (Part 1, 23.2). */
  get isStorageParent(): boolean {
    return this.has('restricted') && this.has('decrypt') && !this.has('sign') && (this.pub.type === TPM_ALG.RSA || this.pub.type === TPM_ALG.ECC || this.pub.type === TPM_ALG.SYMCIPHER);
  }

  get storage(): StorageParent {
    const sym = this.pub.type === TPM_ALG.SYMCIPHER ? this.pub.parameters.sym : this.pub.parameters.symmetric;
    return { nameAlg: this.pub.nameAlg, symKeyBits: sym.keyBits, seed: this.sensitive.seedValue };
  }
}
