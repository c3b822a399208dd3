/** A state blob that cannot be restored: bad magic, unsupported version, truncated or inconsistent. */
export class StateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFormatError';
  }
}
