import type { KeyObject } from 'node:crypto';
import { objectName, type TpmtPublic } from '@vtpm/tpm';
import { readPublicArea, type PublicAreaInput } from './publicArea.js';
import { publicKeyObject } from './publicKeyObject.js';

/**
 * An AK as a verifier uses it: the parsed public area, its Name and (once a signature needed it)
 * its node:crypto key. Parsing the public area, importing the key (a JWK import with an on-curve
 * check: 45 µs for P-256) and hashing the Name would otherwise be repeated for every quote from
 * the same AK. The public area and Name are shared between verifications: read them, never change
 * them (callers get copies).
 */
export interface AkEntry {
  readonly pub: TpmtPublic;
  readonly name: Buffer;
  /** The imported key; refused (malformed-evidence) as publicKeyObject refuses, and then not kept. */
  keyObject(): KeyObject;
}

class CachedAk implements AkEntry {
  private key: KeyObject | undefined;
  readonly name: Buffer;

  constructor(readonly pub: TpmtPublic) {
    this.name = objectName(pub);
  }

  keyObject(): KeyObject {
    return (this.key ??= publicKeyObject(this.pub, 'the signing key'));
  }
}

/** AKs by their public area octets (as evidence carries them), least recently used first. */
const MAX_ENTRIES = 1024;
const byOctets = new Map<string, CachedAk>();
/** The last key used (already at the LRU end: no need to move it). */
let mostRecent: string | undefined;

/**
 * The AK in `input`. Octets (TPMT_PUBLIC or TPM2B_PUBLIC) are looked up by value in a bounded LRU
 * cache, so the same AK bytes parse and import once; an input that does not parse is refused as
 * readPublicArea refuses and nothing is kept. A parsed TpmtPublic is used as given (it could be
 * changed between calls, so it is not cached).
 */
export function akFromInput(input: PublicAreaInput, what: string): AkEntry {
  if (!(input instanceof Uint8Array)) return new CachedAk(readPublicArea(input, what));
  const key = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  const hit = byOctets.get(key);
  if (hit) {
    if (key !== mostRecent) {
      byOctets.delete(key);
      byOctets.set(key, hit);
      mostRecent = key;
    }
    return hit;
  }
  const entry = new CachedAk(readPublicArea(input, what));
  if (byOctets.size >= MAX_ENTRIES) byOctets.delete(byOctets.keys().next().value!);
  byOctets.set(key, entry);
  mostRecent = key;
  return entry;
}
