import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/**
 * A tagged binary form for the data a session holds (Buffers, numbers, bigints, strings, booleans,
 * null/undefined, arrays, plain objects, Maps, Sets and instances of registered classes), so a
 * session context carries every field of the session, including fields added after this was
 * written. Anything else (functions, unregistered class instances) cannot be saved and throws,
 * naming the field: register the class with `contextClass`.
 */
const TAG = { undefined: 0, null: 1, false: 2, true: 3, number: 4, bigint: 5, string: 6, buffer: 7, array: 8, object: 9, map: 10, set: 11, instance: 12, uint: 13 } as const;

/** Classes whose instances a context may hold: restored by prototype plus own fields, no constructor call. */
const classes = new Map<string, object>();

export function contextClass(name: string, cls: { prototype: object }): void {
  classes.set(name, cls.prototype);
}

function registeredName(v: object): string | undefined {
  const proto = Object.getPrototypeOf(v);
  for (const [name, p] of classes) if (p === proto) return name;
  return undefined;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Unsigned LEB128: lengths, counts and small integers take one octet mostly (contexts stay small). */
function writeVarint(w: Writer, n: number): void {
  for (; n >= 0x80; n = Math.floor(n / 0x80)) w.u8((n % 0x80) | 0x80);
  w.u8(n);
}

function readVarint(r: Reader): number {
  let n = 0;
  for (let scale = 1; ; scale *= 0x80) {
    const b = r.u8();
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
  }
}

function writeBytes(w: Writer, b: Uint8Array): void {
  writeVarint(w, b.length);
  w.bytes(b);
}

export function writeValue(w: Writer, v: unknown, path = 'value'): void {
  if (v === undefined) w.u8(TAG.undefined);
  else if (v === null) w.u8(TAG.null);
  else if (typeof v === 'boolean') w.u8(v ? TAG.true : TAG.false);
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
    w.u8(TAG.uint);
    writeVarint(w, v);
  } else if (typeof v === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    w.u8(TAG.number).bytes(b);
  } else if (typeof v === 'bigint') {
    w.u8(TAG.bigint);
    writeBytes(w, Buffer.from(v.toString(16), 'latin1'));
  } else if (typeof v === 'string') {
    w.u8(TAG.string);
    writeBytes(w, Buffer.from(v, 'utf8'));
  } else if (v instanceof Uint8Array) {
    w.u8(TAG.buffer);
    writeBytes(w, v);
  } else if (Array.isArray(v)) {
    w.u8(TAG.array);
    writeVarint(w, v.length);
    v.forEach((x, i) => writeValue(w, x, `${path}[${i}]`));
  } else if (v instanceof Map) {
    w.u8(TAG.map);
    writeVarint(w, v.size);
    for (const [k, x] of v) {
      writeValue(w, k, `${path} key`);
      writeValue(w, x, `${path}.get(${String(k)})`);
    }
  } else if (v instanceof Set) {
    w.u8(TAG.set);
    writeVarint(w, v.size);
    for (const x of v) writeValue(w, x, `${path} item`);
  } else if (typeof v === 'object' && isPlainObject(v)) {
    writeFields(w, v as Record<string, unknown>, path);
  } else if (typeof v === 'object' && registeredName(v)) {
    w.u8(TAG.instance);
    writeBytes(w, Buffer.from(registeredName(v)!, 'utf8'));
    writeFields(w, v, path);
  } else {
    throw new Error(`${path}: a ${typeof v === 'object' ? v.constructor?.name : typeof v} cannot be saved in a context`);
  }
}

/** An object's own enumerable fields, as a plain object. */
export function writeFields(w: Writer, obj: object, path = 'value'): void {
  const entries = Object.entries(obj);
  w.u8(TAG.object);
  writeVarint(w, entries.length);
  for (const [k, x] of entries) {
    writeBytes(w, Buffer.from(k, 'utf8'));
    writeValue(w, x, `${path}.${k}`);
  }
}

function fail(why: string): never {
  throw new Error(why);
}

function readBytes(r: Reader): Buffer {
  return r.bytes(readVarint(r));
}

export function readValue(r: Reader): unknown {
  const tag = r.u8();
  switch (tag) {
    case TAG.undefined:
      return undefined;
    case TAG.null:
      return null;
    case TAG.false:
      return false;
    case TAG.true:
      return true;
    case TAG.uint:
      return readVarint(r);
    case TAG.number:
      return r.bytes(8).readDoubleBE(0);
    case TAG.bigint: {
      const s = readBytes(r).toString('latin1');
      return s.startsWith('-') ? -BigInt('0x' + s.slice(1)) : BigInt('0x' + s);
    }
    case TAG.string:
      return readBytes(r).toString('utf8');
    case TAG.buffer:
      return readBytes(r);
    case TAG.array:
      return Array.from({ length: readVarint(r) }, () => readValue(r));
    case TAG.map: {
      const m = new Map();
      for (let n = readVarint(r); n > 0; n--) m.set(readValue(r), readValue(r));
      return m;
    }
    case TAG.set: {
      const s = new Set();
      for (let n = readVarint(r); n > 0; n--) s.add(readValue(r));
      return s;
    }
    case TAG.object: {
      const o: Record<string, unknown> = {};
      for (let n = readVarint(r); n > 0; n--) o[readBytes(r).toString('utf8')] = readValue(r);
      return o;
    }
    case TAG.instance: {
      const name = readBytes(r).toString('utf8');
      const proto = classes.get(name) ?? fail(`class ${name} not registered`);
      return Object.assign(Object.create(proto), readValue(r));
    }
    default:
      return fail(`unknown value tag ${tag} in a context`);
  }
}
