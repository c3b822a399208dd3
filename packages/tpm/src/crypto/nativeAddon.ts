import { createRequire } from 'node:module';

/** native/bignum.c: big-number and curve arithmetic on the OpenSSL inside node (see that file). */
export interface NativeAddon {
  sieveOddWindow(start: Buffer, marks: Uint8Array, bound: number): void;
  modExp(b: Buffer, e: Buffer, m: Buffer, out: Buffer): void;
  modExpPair(b1: Buffer, e1: Buffer, m1: Buffer, out1: Buffer, b2: Buffer, e2: Buffer, m2: Buffer, out2: Buffer): void;
  /** out = x || y of [k]P (P uncompressed) or [k]G (null); false for a P off the curve or an identity result. */
  ecMul(curveName: string, k: Buffer, point: Buffer | null, out: Buffer): boolean;
}

/** native/build/bignum.node, built by `node packages/tpm/native/build.mjs` (npm install runs it). */
const ADDON_PATH = new URL('../../../native/build/bignum.node', import.meta.url).pathname;

let loaded: NativeAddon | null | undefined;

/** The addon (loaded once), or undefined when it was not built (no compiler or Node headers at install). */
export function nativeAddon(): NativeAddon | undefined {
  if (loaded === undefined) {
    try {
      const addon = createRequire(import.meta.url)(ADDON_PATH) as Partial<NativeAddon>;
      loaded = typeof addon.ecMul === 'function' ? (addon as NativeAddon) : null; // an addon built before ecMul existed: rebuild it
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
