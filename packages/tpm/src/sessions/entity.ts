import { TPM_ALG } from '../constants/alg.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import type { NvIndex } from '../nv/nvIndex.js';
import { TpmKey } from '../objects/tpmKey.js';
import type { Tpm } from '../tpm.js';
import { trimAuth } from './sessionHmac.js';

/** The NV index at `handle`, or undefined when none is defined. */
export function nvIndexAt(tpm: Tpm, handle: number): NvIndex | undefined {
  return tpm.nv.get(handle);
}

/** A loaded key or data object at `handle` (not a sequence), or undefined. */
export function keyAt(tpm: Tpm, handle: number): TpmKey | undefined {
  const t = handleTypeOf(handle);
  if (t !== TPM_HT.TRANSIENT && t !== TPM_HT.PERSISTENT) return undefined;
  const obj = t === TPM_HT.PERSISTENT ? tpm.persistent.get(handle) : tpm.objects.get(handle);
  return obj instanceof TpmKey ? obj : undefined;
}

/** EntityGetAuthValue: the entity's authValue without trailing zeros; empty when the entity is gone. */
export function entityAuthValue(tpm: Tpm, handle: number): Buffer {
  try {
    return trimAuth(tpm.authValueOf(handle));
  } catch {
    return Buffer.alloc(0);
  }
}

/** An authPolicy and the hash it was computed with. */
export interface AuthPolicy {
  readonly hashAlg: number;
  readonly digest: Buffer;
}

/** EntityGetAuthPolicy: objects and NV indices carry theirs, hierarchies have SetPrimaryPolicy's; PCRs none here. */
export function entityAuthPolicy(tpm: Tpm, handle: number): AuthPolicy {
  const none = { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) };
  switch (handleTypeOf(handle)) {
    case TPM_HT.PERMANENT:
      return tpm.hierarchies.policy.get(handle) ?? none;
    case TPM_HT.TRANSIENT:
    case TPM_HT.PERSISTENT: {
      const key = keyAt(tpm, handle);
      return key ? { hashAlg: key.pub.nameAlg, digest: key.pub.authPolicy } : none;
    }
    case TPM_HT.NV_INDEX: {
      const nv = nvIndexAt(tpm, handle);
      return nv ? { hashAlg: nv.nameAlg, digest: nv.authPolicy } : none;
    }
    default:
      return none;
  }
}

/** EntityGetHierarchy: the hierarchy whose proof keys tickets about this entity. */
export function entityHierarchy(tpm: Tpm, handle: number): number {
  switch (handleTypeOf(handle)) {
    case TPM_HT.PERMANENT:
      return handle === TPM_RH.PLATFORM || handle === TPM_RH.ENDORSEMENT || handle === TPM_RH.NULL ? handle : TPM_RH.OWNER;
    case TPM_HT.NV_INDEX: {
      const nv = nvIndexAt(tpm, handle);
      return nv?.has('PLATFORMCREATE') ? TPM_RH.PLATFORM : TPM_RH.OWNER;
    }
    case TPM_HT.TRANSIENT:
    case TPM_HT.PERSISTENT:
      return keyAt(tpm, handle)?.hierarchy ?? TPM_RH.NULL;
    default:
      return TPM_RH.OWNER;
  }
}

/** IsDAExempted: PCRs, hierarchies but lockout, noDA objects and NO_DA indices. */
export function isDaExempt(tpm: Tpm, handle: number): boolean {
  if (handleTypeOf(handle) === TPM_HT.NV_INDEX) return !!nvIndexAt(tpm, handle)?.noDA;
  return tpm.isDaExempt(handle);
}
