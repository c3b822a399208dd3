/** A VM's vTPM state cannot be opened: not an envelope, modified, another VM's, or older than the host TPM's rollback anchor allows. */
export class VtpmStateError extends Error {
  override name = 'VtpmStateError';
}
