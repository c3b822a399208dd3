import { Decoder, Encoder } from 'cbor-x';
import { refuse } from './refusal.js';

/**
 * CBOR as this package writes it: maps are JS Maps (integer keys stay integers and every map
 * has a minimal length header), byte strings are plain bstr (no typed-array tags), no cbor-x
 * record extension. Decoding gives Maps and Buffers back.
 */
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function encodeCbor(value: unknown): Buffer {
  return Buffer.from(encoder.encode(value));
}

/** Decodes exactly one CBOR item; anything else is refused as malformed, naming `what`. */
export function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decoder.decode(Buffer.from(bytes));
  } catch (e) {
    return refuse('malformed-evidence', `${what} is not one well-formed CBOR item (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Typed access to decoded CBOR maps, refusing anything of the wrong shape. */
export class CborMap {
  private constructor(
    private readonly map: Map<unknown, unknown>,
    private readonly what: string,
  ) {}

  static from(value: unknown, what: string): CborMap {
    if (!(value instanceof Map)) refuse('malformed-evidence', `${what} is not a CBOR map`);
    return new CborMap(value, what);
  }

  /** Refuses keys outside `known` (a misspelt or future field must not be silently ignored). */
  onlyKeys(known: readonly unknown[]): this {
    for (const k of this.map.keys()) if (!known.includes(k)) refuse('malformed-evidence', `${this.what} has unknown key ${String(k)}`);
    return this;
  }

  has(key: unknown): boolean {
    return this.map.has(key);
  }

  private required(key: unknown, name: string): unknown {
    if (!this.map.has(key)) refuse('malformed-evidence', `${this.what} lacks ${name} (key ${String(key)})`);
    return this.map.get(key);
  }

  bytes(key: unknown, name: string): Buffer {
    const v = this.required(key, name);
    if (!(v instanceof Uint8Array)) refuse('malformed-evidence', `${this.what}: ${name} is not a byte string`);
    return Buffer.from(v);
  }

  optionalBytes(key: unknown, name: string): Buffer | undefined {
    return this.map.has(key) ? this.bytes(key, name) : undefined;
  }

  uint(key: unknown, name: string): number {
    const v = this.required(key, name);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) refuse('malformed-evidence', `${this.what}: ${name} is not an unsigned integer`);
    return v;
  }

  int(key: unknown, name: string): number {
    const v = this.required(key, name);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) refuse('malformed-evidence', `${this.what}: ${name} is not an integer`);
    return v;
  }

  text(key: unknown, name: string): string {
    const v = this.required(key, name);
    if (typeof v !== 'string') refuse('malformed-evidence', `${this.what}: ${name} is not a text string`);
    return v;
  }

  optionalText(key: unknown, name: string): string | undefined {
    return this.map.has(key) ? this.text(key, name) : undefined;
  }

  byteList(key: unknown, name: string): Buffer[] | undefined {
    if (!this.map.has(key)) return undefined;
    const v = this.map.get(key);
    if (!Array.isArray(v) || !v.every((x) => x instanceof Uint8Array)) refuse('malformed-evidence', `${this.what}: ${name} is not an array of byte strings`);
    return v.map((x: Uint8Array) => Buffer.from(x));
  }

  child(key: unknown, name: string): CborMap {
    return CborMap.from(this.required(key, name), `${this.what}.${name}`);
  }

  optionalChild(key: unknown, name: string): CborMap | undefined {
    return this.map.has(key) ? this.child(key, name) : undefined;
  }

  entries(): [unknown, unknown][] {
    return [...this.map.entries()];
  }
}
