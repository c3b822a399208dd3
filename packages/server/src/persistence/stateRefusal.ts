/** Why a stored or transferred TPM state was refused; each has its own message and control-channel code. */
export type RefusalKind =
  | 'not-vtpm-state' // no vtpm header (another program's file, or garbage)
  | 'unsupported-version'
  | 'truncated'
  | 'damaged' // checksum mismatch: bytes changed after sealing
  | 'wrong-blob-type'
  | 'missing-key' // sealed, but no key of that role is configured
  | 'not-encrypted' // a key is configured, the state is plain: refused, it could have been forged
  | 'wrong-key'
  | 'tampered' // checksum and key check agree, authentication fails: changed by someone who recomputed the checksum
  | 'older-generation' // rollback: older than the generation already seen or anchored
  | 'inconsistent' // blobs that do not belong together (volatile of another permanent state)
  | 'unreadable'; // sealed correctly, but the TPM cannot restore the content

/** A refused TPM state. The message names the file or blob and says what is wrong with it. */
export class StateRefusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = 'StateRefusal';
  }

  /** The same refusal, its message prefixed with where the state came from. */
  about(source: string): StateRefusal {
    return new StateRefusal(this.kind, `${source}: ${this.message}`);
  }
}
