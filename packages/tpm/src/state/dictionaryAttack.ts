/**
 * Dictionary-attack protection (Part 1, 19.8.6). Placeholder that the authorization step already
 * calls: `check` before an authorization of a DA-protected entity, `failure` after a wrong one.
 */
export class DictionaryAttack {
  /** Throws TPM_RC_LOCKOUT when DA-protected authorizations are refused. */
  check(_entity: number): void {}
  /** Counts one failed authorization of a DA-protected entity. */
  failure(_entity: number): void {}
}
