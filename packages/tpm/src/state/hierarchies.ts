import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import type { RandomSource } from '../crypto/randomSource.js';

const IMPLEMENTED_PERMANENT = new Set<number>([TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.PLATFORM_NV, TPM_RH.LOCKOUT, TPM_RH.NULL, TPM_RH.PW]);

/** Seed and proof sizes: 64 octets, enough for the largest hash (Part 1, 14.3). */
const SEED_SIZE = 64;

/** A hierarchy's authorization policy (SetPrimaryPolicy): empty digest means none. */
export interface HierarchyPolicy {
  hashAlg: number;
  digest: Buffer;
}

/**
 * The four hierarchies and lockout (Part 1, 14): primary seeds, proofs (ticket and context keys),
 * authValues, authPolicies and enables. The platform owns PPS; the owner SPS; the privacy
 * administrator EPS; the null hierarchy gets a fresh seed at every TPM Reset.
 */
export class Hierarchies {
  readonly seeds = new Map<number, Buffer>();
  readonly proofs = new Map<number, Buffer>();
  readonly auth = new Map<number, Buffer>();
  readonly policy = new Map<number, HierarchyPolicy>();
  /** phEnable, shEnable, ehEnable, phEnableNV (TPMA_STARTUP_CLEAR); all set after TPM Reset. */
  readonly enabled = new Map<number, boolean>();

  constructor(private readonly random: RandomSource) {
    for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL]) {
      this.seeds.set(h, random.bytes(SEED_SIZE));
      this.proofs.set(h, random.bytes(SEED_SIZE));
    }
    for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.LOCKOUT]) {
      this.auth.set(h, Buffer.alloc(0));
      this.policy.set(h, { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) });
    }
    this.enableAll();
  }

  seed(hierarchy: number): Buffer {
    return this.seeds.get(hierarchy) ?? fail(TPM_RC.HIERARCHY);
  }

  proof(hierarchy: number): Buffer {
    return this.proofs.get(hierarchy) ?? fail(TPM_RC.HIERARCHY);
  }

  isEnabled(hierarchy: number): boolean {
    return hierarchy === TPM_RH.NULL || this.enabled.get(hierarchy) === true;
  }

  /** TPM Reset: new null seed and proof; every hierarchy enabled again (Part 1, 14.7). */
  reset(): void {
    this.seeds.set(TPM_RH.NULL, this.random.bytes(SEED_SIZE));
    this.proofs.set(TPM_RH.NULL, this.random.bytes(SEED_SIZE));
    this.enableAll();
  }

  /** ChangeEPS / ChangePPS / Clear (SPS): a new seed and proof; objects of that hierarchy become unusable. */
  replaceSeed(hierarchy: number): void {
    this.seeds.set(hierarchy, this.random.bytes(SEED_SIZE));
    this.proofs.set(hierarchy, this.random.bytes(SEED_SIZE));
  }

  /** TPMA_PERMANENT.disableClear: ClearControl's latch that makes TPM2_Clear answer TPM_RC_DISABLED. */
  disableClear = false;

  /**
   * Every Startup (the reference's HierarchyStartup): phEnable is set; except on TPM Resume the
   * platform authValue and authPolicy are cleared and every enable is set again (TPMA_STARTUP_CLEAR).
   */
  startup(resume: boolean): void {
    this.enabled.set(TPM_RH.PLATFORM, true);
    if (resume) return;
    this.auth.set(TPM_RH.PLATFORM, Buffer.alloc(0));
    this.policy.set(TPM_RH.PLATFORM, { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) });
    this.enableAll();
  }

  /** A hierarchy handle in a handle area refers to nothing while its hierarchy is disabled (EntityGetLoadStatus). */
  checkHandleEnabled(handle: number): void {
    // Only these permanent handles name something here (the reference's EntityGetLoadStatus); AUTH_xx, ACT and others do not.
    if (!IMPLEMENTED_PERMANENT.has(handle)) fail(TPM_RC.HANDLE, 'permanent handle not implemented');
    const hierarchy = handle === TPM_RH.OWNER || handle === TPM_RH.ENDORSEMENT || handle === TPM_RH.PLATFORM;
    if (hierarchy && !this.isEnabled(handle)) fail(TPM_RC.HIERARCHY, 'hierarchy disabled');
  }

  /** Empty authValue and no authPolicy (TPM2_Clear, ChangeEPS). */
  clearAuthorization(hierarchy: number): void {
    this.auth.set(hierarchy, Buffer.alloc(0));
    this.policy.set(hierarchy, { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) });
  }

  private enableAll(): void {
    for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.PLATFORM_NV]) this.enabled.set(h, true);
  }
}
