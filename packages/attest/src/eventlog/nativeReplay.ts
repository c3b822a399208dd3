import { createRequire } from 'node:module';

/** native/pcrReplay.c: a bank's queued PCR extends in one call. */
export interface PcrReplayAddon {
  /** value = H(value || digest) for each queued (PCR u8, digest) in order; false when OpenSSL lacks the hash (nothing changed). */
  extend(hashName: string, size: number, slots: Buffer, queue: Buffer, count: number): boolean;
}

/** native/build/pcrReplay.node, built by `node packages/attest/native/build.mjs` (npm install runs it). */
const ADDON_PATH = new URL('../../../native/build/pcrReplay.node', import.meta.url).pathname;

let loaded: PcrReplayAddon | null | undefined;

/**
 * The addon (loaded once), or undefined when it was not built (then replay hashes with
 * crypto.hash: same values). `nativeReplay.enabled = false` turns it off (tests compare both).
 */
export function pcrReplayAddon(): PcrReplayAddon | undefined {
  if (!nativeReplay.enabled) return undefined;
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(ADDON_PATH) as PcrReplayAddon;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

export const nativeReplay = { enabled: true };
