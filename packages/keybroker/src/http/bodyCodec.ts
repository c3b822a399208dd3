import { Decoder, Encoder } from 'cbor-x';

export const JSON_TYPE = 'application/json';
export const CBOR_TYPE = 'application/cbor';

/**
 * Request and response bodies: JSON or CBOR, chosen by Content-Type (requests) and Accept
 * (responses). CBOR carries byte strings natively; JSON carries them as {"$base64": "..."}, so
 * one message type serves both and a curl user can still read and write every field.
 */
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export type BodyType = typeof JSON_TYPE | typeof CBOR_TYPE;

export function bodyTypeOf(header: string | undefined): BodyType | null {
  const t = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === '' || t === JSON_TYPE) return JSON_TYPE;
  if (t === CBOR_TYPE) return CBOR_TYPE;
  return null;
}

/** The type to answer in: CBOR only when the client asks for it (or sent CBOR and accepts anything). */
export function replyTypeOf(accept: string | undefined, requestType: BodyType): BodyType {
  const a = (accept ?? '').toLowerCase();
  if (a.includes(CBOR_TYPE)) return CBOR_TYPE;
  if (a.includes(JSON_TYPE)) return JSON_TYPE;
  return requestType;
}

export function encodeBody(value: unknown, type: BodyType): Buffer {
  if (type === CBOR_TYPE) return Buffer.from(cborEncoder.encode(value));
  return Buffer.from(JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data) ? { $base64: Buffer.from(v.data).toString('base64') } : v)));
}

/** Byte strings come back as Buffers whatever the encoding. */
export function decodeBody(bytes: Buffer, type: BodyType): unknown {
  if (!bytes.length) return {};
  if (type === CBOR_TYPE) return buffersIn(cborDecoder.decode(bytes));
  return JSON.parse(bytes.toString('utf8'), (_k, v) => (v && typeof v === 'object' && typeof v.$base64 === 'string' && Object.keys(v).length === 1 ? Buffer.from(v.$base64, 'base64') : v));
}

function buffersIn(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(buffersIn);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, buffersIn(x)]));
  return v;
}
