import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';

/** Defaults of a new TPM and after TPM2_Clear (the reference's DAPreInstall_Init; swtpm reports them). */
export const DA_DEFAULTS = { maxTries: 3, recoveryTime: 1000, lockoutRecovery: 1000 } as const;

/**
 * Dictionary-attack protection (Part 1, 19.8.6; the reference's DA.c). Failed authorizations of
 * DA-protected entities count in `failedTries`; at `maxTries` the TPM is in lockout and refuses them
 * with TPM_RC_LOCKOUT. One failure heals every `recoveryTime` seconds. A failed lockoutAuth disables
 * lockoutAuth itself for `lockoutRecovery` seconds (0: until the next Startup).
 * Timers are in milliseconds of TPM time (since _TPM_Init), as the reference's g_time.
 */
export class DictionaryAttack {
  failedTries = 0;
  maxTries: number = DA_DEFAULTS.maxTries;
  /** Seconds per healed failure; 0 turns DA protection off. */
  recoveryTime: number = DA_DEFAULTS.recoveryTime;
  /** Seconds lockoutAuth stays unusable after a failure; 0 means until the next Startup. */
  lockoutRecovery: number = DA_DEFAULTS.lockoutRecovery;
  lockoutAuthEnabled = true;
  /** TPM time of the last failure / healing step (public for state blobs only). */
  selfHealTimer = 0n;
  /** TPM time of the last lockoutAuth failure (public for state blobs only). */
  lockoutTimer = 0n;
  /**
   * A DA-protected authorization was checked since the last Startup (the reference's g_daUsed,
   * which it records in NV as its orderly state): only then does a non-orderly shutdown count as a failure.
   */
  daUsed = false;

  constructor(private readonly now: () => bigint = () => 0n) {}

  /** TPMA_PERMANENT.inLockout. */
  get inLockout(): boolean {
    this.selfHeal();
    return this.failedTries >= this.maxTries;
  }

  /** Throws TPM_RC_LOCKOUT when authorizations of `entity` are refused (the reference's CheckLockedOut). */
  check(entity: number): void {
    this.selfHeal();
    if (entity === TPM_RH.LOCKOUT) {
      if (!this.lockoutAuthEnabled) fail(TPM_RC.LOCKOUT, 'lockoutAuth is locked out');
      return;
    }
    if (this.failedTries >= this.maxTries) fail(TPM_RC.LOCKOUT, 'dictionary-attack lockout');
    this.daUsed = true;
  }

  /** Counts one failed authorization of a DA-protected entity (the reference's IncrementLockout). */
  failure(entity: number): void {
    this.selfHeal();
    if (entity === TPM_RH.LOCKOUT) {
      this.lockoutAuthEnabled = false;
      this.lockoutTimer = this.now();
      return;
    }
    if (this.recoveryTime !== 0) this.failedTries++;
    this.selfHealTimer = this.now();
  }

  /** TPM2_DictionaryAttackLockReset. */
  resetLockout(): void {
    this.failedTries = 0;
  }

  /** TPM2_DictionaryAttackParameters: failedTries stays as it is (errata: no reset). */
  setParameters(maxTries: number, recoveryTime: number, lockoutRecovery: number): void {
    this.selfHeal();
    this.maxTries = maxTries;
    this.recoveryTime = recoveryTime;
    this.lockoutRecovery = lockoutRecovery;
  }

  /** TPM2_Clear: back to the defaults, lockoutAuth usable. */
  clear(): void {
    Object.assign(this, DA_DEFAULTS);
    this.failedTries = 0;
    this.lockoutAuthEnabled = true;
  }

  /**
   * TPM2_Startup (the reference's DAStartup): timers restart with TPM time; lockoutRecovery 0 frees
   * lockoutAuth; a non-orderly shutdown after DA-protected use counts as one failure.
   */
  startup(orderly: boolean): void {
    this.selfHealTimer = this.lockoutTimer = 0n;
    if (this.lockoutRecovery === 0) this.lockoutAuthEnabled = true;
    if (this.recoveryTime !== 0 && this.failedTries < this.maxTries && !orderly && this.daUsed) this.failedTries++;
    this.daUsed = false;
  }

  /** The reference's DASelfHeal, run lazily whenever the state is looked at. */
  private selfHeal(): void {
    const now = this.now();
    if (this.failedTries !== 0) {
      if (this.recoveryTime === 0) this.failedTries = 0;
      else {
        const period = BigInt(this.recoveryTime) * 1000n;
        const healed = (now - this.selfHealTimer) / period;
        if (healed > 0n) {
          this.failedTries = healed >= BigInt(this.failedTries) ? 0 : this.failedTries - Number(healed);
          this.selfHealTimer += healed * period;
        }
      }
    }
    if (!this.lockoutAuthEnabled && this.lockoutRecovery !== 0 && now - this.lockoutTimer >= BigInt(this.lockoutRecovery) * 1000n) {
      this.lockoutAuthEnabled = true;
    }
  }
}
