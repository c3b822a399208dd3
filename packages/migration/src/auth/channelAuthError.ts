/** Channel authentication failed (either side's verdict): the connection ends before anything else is said. */
export class ChannelAuthError extends Error {
  override name = 'ChannelAuthError';
  readonly reason = 'auth-failed';
}
