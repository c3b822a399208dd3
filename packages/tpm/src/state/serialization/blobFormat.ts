import type { Codec, ValueOf } from '../../codec/codec.js';
import { Reader } from '../../codec/reader.js';
import { Writer } from '../../codec/writer.js';
import { TPM_RC } from '../../constants/rc.js';
import { TpmError } from '../../errors.js';
import { StateFormatError } from '../stateFormatError.js';

/**
 * The frame of a state blob (docs/state.md):
 *   magic (4 octets) | version u16 | blob length u32 (the whole blob, header included)
 *   then every section in order: id u16 | size u32 | contents (size octets)
 * Section ids are 1, 2, ... in declaration order; all are present, each exactly once. A change to
 * any section's layout is a new version: restore reads only its own.
 */
export const HEADER_SIZE = 10;
const SECTION_HEADER_SIZE = 6;

type Sections = Record<string, Codec<any>>;
export type SectionValues<S extends Sections> = { [K in keyof S]: ValueOf<S[K]> };

export interface BlobFormat<S extends Sections> {
  readonly kind: string;
  readonly magic: Buffer;
  write(values: SectionValues<S>): Buffer;
  /** Parses and checks the frame and every section; StateFormatError naming what is wrong. */
  read(blob: Buffer): SectionValues<S>;
}

export function blobFormat<S extends Sections>(kind: string, magic: string, version: number, sections: S, otherKinds: { kind: string; magic: string }[] = []): BlobFormat<S> {
  const magicBytes = Buffer.from(magic, 'latin1');
  const entries = Object.entries(sections);
  const bad = (why: string) => new StateFormatError(`${kind} state blob ${why}`);

  function readHeader(blob: Buffer): void {
    if (blob.length < HEADER_SIZE) throw bad(`truncated: ${blob.length} octets, the header alone takes ${HEADER_SIZE}`);
    if (!blob.subarray(0, 4).equals(magicBytes)) {
      const other = otherKinds.find((o) => blob.subarray(0, 4).equals(Buffer.from(o.magic, 'latin1')));
      throw bad(`has a bad magic 0x${blob.subarray(0, 4).toString('hex')}${other ? `: it is a ${other.kind} state blob` : ''} (expected "${magic}")`);
    }
    const v = blob.readUInt16BE(4);
    if (v !== version) throw bad(`version ${v} is not supported (this build reads version ${version})`);
    const length = blob.readUInt32BE(6);
    if (length > blob.length) throw bad(`truncated: the header says ${length} octets, ${blob.length} present`);
    if (length < blob.length) throw bad(`has ${blob.length - length} octets after its end`);
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

  return {
    kind,
    magic: magicBytes,
    write(values) {
      const w = new Writer(4096);
      w.bytes(magicBytes).u16(version).u32(0);
      entries.forEach(([name, codec], i) => {
        w.u16(i + 1);
        const done = w.sizeU32();
        codec.write(w, values[name]);
        done();
      });
      w.patchU32(6, w.offset);
      return w.finish();
    },
    read(blob) {
      readHeader(blob);
      const r = new Reader(blob, HEADER_SIZE);
      const out: Record<string, unknown> = {};
      entries.forEach(([name, codec], i) => (out[name] = readSection(r, i + 1, name, codec)));
      if (r.remaining !== 0) throw bad(`inconsistent: ${r.remaining} octets after the last section`);
      return out as SectionValues<S>;
    },
  };
}
