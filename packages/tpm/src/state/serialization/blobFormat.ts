import type { Codec } from '../../codec/codec.js';
import { Reader } from '../../codec/reader.js';
import { Writer } from '../../codec/writer.js';
import { TPM_RC } from '../../constants/rc.js';
import { TpmError } from '../../errors.js';
import { StateFormatError } from '../stateFormatError.js';

/**
 * The frame of a state blob (docs/state.md):
 *   magic (4 octets) | version u16 | blob length u32 (the whole blob, header included)
 *   then every section in order: id u16 | size u32 | contents (size octets)
 * Section ids are 1, 2, ... in declaration order; all sections of the blob's version are present,
 * each exactly once. A change to any section's layout is a new version. A new section goes at the
 * end, declared with `addedIn`: a blob of an older version lacks it and reads as the value the
 * declaration gives. Writing always writes the current version; reading accepts every version from
 * the oldest supported one to the current one.
 */
export const HEADER_SIZE = 10;
const SECTION_HEADER_SIZE = 6;

/** A section that blobs of versions before `since` do not have; their value for it is `before`. */
export interface AddedSection<T> {
  readonly kind: 'added section';
  readonly codec: Codec<T>;
  readonly since: number;
  readonly before: T;
}

/** Declares a section added in version `since`; an older blob reads as `before` (what it meant then). */
export function addedIn<T>(since: number, codec: Codec<T>, before: T): AddedSection<T> {
  return { kind: 'added section', codec, since, before };
}

type Section = Codec<any> | AddedSection<any>;
type Sections = Record<string, Section>;
type SectionValue<S> = S extends AddedSection<infer T> ? T : S extends Codec<infer T> ? T : never;
export type SectionValues<S extends Sections> = { [K in keyof S]: SectionValue<S[K]> };

/** The versions a blob format writes (`current`) and reads (`oldest` to `current`). */
export interface FormatVersions {
  readonly current: number;
  readonly oldest: number;
}

export interface BlobFormat<S extends Sections> {
  readonly kind: string;
  readonly magic: Buffer;
  readonly versions: FormatVersions;
  /** A blob of the current version. */
  write(values: SectionValues<S>): Buffer;
  /** Parses and checks the frame and every section; StateFormatError naming what is wrong. */
  read(blob: Buffer): SectionValues<S>;
  /** The same, with the blob's version (sections it lacks hold their `before` values). */
  readVersioned(blob: Buffer): { version: number; values: SectionValues<S> };
}

export function blobFormat<S extends Sections>(
  kind: string,
  magic: string,
  versions: FormatVersions,
  sections: S,
  otherKinds: { kind: string; magic: string }[] = [],
): BlobFormat<S> {
  const magicBytes = Buffer.from(magic, 'latin1');
  const { current, oldest } = versions;
  const entries = Object.entries(sections).map(([name, s], i) => {
    const added = 'kind' in s && s.kind === 'added section' ? (s as AddedSection<unknown>) : null;
    return { id: i + 1, name, codec: added ? added.codec : (s as Codec<unknown>), since: added ? added.since : oldest, before: added?.before };
  });
  if (!(Number.isInteger(oldest) && oldest >= 1 && oldest <= current && current <= 0xffff)) throw new Error(`${kind} state blob: bad versions ${oldest} to ${current}`);
  entries.forEach((e, i) => {
    // a blob of any version holds a prefix of the sections: new ones go at the end, ids stay what they were
    if (e.since > current || (i > 0 && e.since < entries[i - 1]!.since)) throw new Error(`${kind} state blob: section '${e.name}' added in version ${e.since} out of order`);
  });
  const reads = oldest === current ? `version ${current}` : `versions ${oldest} to ${current}`;
  const bad = (why: string) => new StateFormatError(`${kind} state blob ${why}`);

  function readHeader(blob: Buffer): number {
    if (blob.length < HEADER_SIZE) throw bad(`truncated: ${blob.length} octets, the header alone takes ${HEADER_SIZE}`);
    if (!blob.subarray(0, 4).equals(magicBytes)) {
      const other = otherKinds.find((o) => blob.subarray(0, 4).equals(Buffer.from(o.magic, 'latin1')));
      throw bad(`has a bad magic 0x${blob.subarray(0, 4).toString('hex')}${other ? `: it is a ${other.kind} state blob` : ''} (expected "${magic}")`);
    }
    const v = blob.readUInt16BE(4);
    if (v < oldest || v > current) throw bad(`version ${v} is not supported (this build reads ${reads})`);
    const length = blob.readUInt32BE(6);
    if (length > blob.length) throw bad(`truncated: the header says ${length} octets, ${blob.length} present`);
    if (length < blob.length) throw bad(`has ${blob.length - length} octets after its end`);
    return v;
  }

  function readSection(r: Reader, id: number, name: string, codec: Codec<unknown>): unknown {
    const at = r.offset;
    if (r.remaining < SECTION_HEADER_SIZE) throw bad(`truncated: section '${name}' (id ${id}) missing at offset ${at}`);
    const found = r.u16();
    if (found !== id) throw bad(`inconsistent: expected section '${name}' (id ${id}) at offset ${at}, found id ${found}`);
    const size = r.u32();
    if (size > r.remaining) throw bad(`truncated: section '${name}' says ${size} octets, ${r.remaining} remain`);
    const body = r.sub(size);
    try {
      const value = codec.read(body);
      if (body.remaining !== 0) throw bad(`inconsistent: section '${name}' has ${body.remaining} octets after its contents`);
      return value;
    } catch (e) {
      if (e instanceof StateFormatError) throw e;
      if (e instanceof TpmError && e.rc === TPM_RC.INSUFFICIENT) throw bad(`truncated: section '${name}' ends inside its contents (offset ${body.offset})`);
      throw bad(`inconsistent: section '${name}' is malformed at offset ${body.offset}: ${(e as Error).message}`);
    }
  }

  function readVersioned(blob: Buffer): { version: number; values: SectionValues<S> } {
    const version = readHeader(blob);
    const r = new Reader(blob, HEADER_SIZE);
    const out: Record<string, unknown> = {};
    for (const e of entries) out[e.name] = e.since <= version ? readSection(r, e.id, e.name, e.codec) : e.before;
    if (r.remaining !== 0) {
      const next = r.remaining >= 2 ? entries.find((e) => e.id === blob.readUInt16BE(r.offset) && e.since > version) : undefined;
      if (next) throw bad(`inconsistent: section '${next.name}' (id ${next.id}) at offset ${r.offset} is not part of version ${version} (it was added in version ${next.since})`);
      throw bad(`inconsistent: ${r.remaining} octets after the last section`);
    }
    return { version, values: out as SectionValues<S> };
  }

  return {
    kind,
    magic: magicBytes,
    versions: { current, oldest },
    write(values) {
      const w = new Writer(4096);
      w.bytes(magicBytes).u16(current).u32(0);
      for (const e of entries) {
        w.u16(e.id);
        const done = w.sizeU32();
        e.codec.write(w, values[e.name]);
        done();
      }
      w.patchU32(6, w.offset);
      return w.finish();
    },
    read: (blob) => readVersioned(blob).values,
    readVersioned,
  };
}
