import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BLOB_NAMES, isBlobType, type BlobType } from './blobType.js';
import { KDF_ID, SALT_BYTES, type StateKey } from './stateKey.js';
import { StateRefusal } from './stateRefusal.js';

/**
 * One TPM state blob as vtpm stores and transfers it:
 *
 *   magic "vTPMSTAT" | u16 version 1 | u16 blob type | u16 flags | u8 key role | u8 kdf
 *   | lineage (16) | u64 generation | u32 payload length
 *   [sealed: u32 kdf iterations | salt (16) | key check (16) | iv (12) | GCM tag (16)]
 *   | payload | SHA-256 of everything before it
 *
 * The lineage names one vTPM across its moves; the generation counts its permanent states (a
 * volatile or savestate blob carries the generation of the permanent state it belongs to).
 * Sealed payloads are AES-256-GCM with the header as additional data and a synthetic IV (an HMAC
 * of header and plaintext), so sealing is deterministic. The trailing checksum tells a damaged blob
 * from a wrong key; the key check tells a wrong key from a forged blob.
 */
export interface StateContent {
  type: BlobType;
  lineage: Buffer;
  generation: bigint;
  /** Volatile state taken after TPM2_Shutdown: resuming it is followed by _TPM_Init. */
  shutDown: boolean;
  payload: Buffer;
}

/** Which key sealed a blob: none, the state-file key (--key) or the migration key (--migration-key). */
export type KeyRole = 'none' | 'state' | 'migration';

export interface OpenedState extends StateContent {
  /** The innermost seal's role ('none' for a plain payload). */
  sealedWith: KeyRole;
  /** Sealed with the migration key around it. */
  migrationSealed: boolean;
}

export interface OpenOptions {
  stateKey?: StateKey | null;
  migrationKey?: StateKey | null;
  /** Refuse a blob that is not sealed by this key: unauthenticated state could have been forged. */
  require?: 'state' | 'migration' | null;
}

const MAGIC = Buffer.from('vTPMSTAT', 'ascii');
export const ENVELOPE_VERSION = 1;
export const LINEAGE_BYTES = 16;
const PLAIN_HEADER = 44;
const SEALED_HEADER = PLAIN_HEADER + 4 + SALT_BYTES + 16 + 12 + 16;
const CHECKSUM = 32;
const FLAG_SHUT_DOWN = 1;
/** The payload is itself an envelope (state-key sealed, then migration-key sealed around it). */
const FLAG_NESTED = 2;
const ROLE_ID: Readonly<Record<KeyRole, number>> = { none: 0, state: 1, migration: 2 };
const ROLES = ['none', 'state', 'migration'] as const;
const MAX_ITERATIONS = 10_000_000;
const KEY_OPTION: Readonly<Record<Exclude<KeyRole, 'none'>, string>> = { state: '--key', migration: '--migration-key' };

/** Seals `content` with `key` in `role` (or leaves it plain with `key` null). */
export function sealState(content: StateContent, key: StateKey | null, role: Exclude<KeyRole, 'none'> = 'state'): Buffer {
  return seal(content, key ? { key, role } : null, false);
}

/** Seals with the migration key around an (optionally state-key sealed) inner blob, as swtpm layers them. */
export function sealForMigration(content: StateContent, stateKey: StateKey | null, migrationKey: StateKey): Buffer {
  if (!stateKey) return seal(content, { key: migrationKey, role: 'migration' }, false);
  const inner = seal(content, { key: stateKey, role: 'state' }, false);
  return seal({ ...content, payload: inner }, { key: migrationKey, role: 'migration' }, true);
}

function seal(content: StateContent, sealing: { key: StateKey; role: Exclude<KeyRole, 'none'> } | null, nested: boolean): Buffer {
  if (content.lineage.length !== LINEAGE_BYTES) throw new RangeError(`lineage must have ${LINEAGE_BYTES} octets`);
  const header = Buffer.alloc(sealing ? SEALED_HEADER : PLAIN_HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(ENVELOPE_VERSION, 8);
  header.writeUInt16BE(content.type, 10);
  header.writeUInt16BE((content.shutDown ? FLAG_SHUT_DOWN : 0) | (nested ? FLAG_NESTED : 0), 12);
  header[14] = ROLE_ID[sealing?.role ?? 'none'];
  header[15] = sealing ? KDF_ID[sealing.key.derivation] : 0;
  content.lineage.copy(header, 16);
  header.writeBigUInt64BE(content.generation, 32);
  header.writeUInt32BE(content.payload.length, 40);
  let payload = content.payload;
  if (sealing) {
    const { salt, iterations } = sealing.key.sealingParameters();
    const keys = sealing.key.keysFor(salt, iterations);
    header.writeUInt32BE(iterations, 44);
    salt.copy(header, 48);
    keyCheck(keys.check).copy(header, 64);
    const iv = createHmac('sha256', keys.iv).update(header.subarray(0, 80)).update(content.payload).digest().subarray(0, 12);
    iv.copy(header, 80);
    const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
    cipher.setAAD(header.subarray(0, 80));
    payload = Buffer.concat([cipher.update(content.payload), cipher.final()]);
    cipher.getAuthTag().copy(header, 92);
  }
  const body = Buffer.concat([header, payload]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Opens a blob, checking it in an order that names the first thing wrong; throws StateRefusal. */
export function openState(blob: Buffer, options: OpenOptions = {}): OpenedState {
  const header = readHeader(blob);
  const { role, nested } = header;
  if (options.require && role !== options.require) {
    if (role === 'none') throw new StateRefusal('not-encrypted', `not encrypted, but ${KEY_OPTION[options.require]} is configured: an unauthenticated state is refused`);
    throw new StateRefusal('missing-key', `sealed with the ${role} key (${KEY_OPTION[role]}), expected the ${options.require} key (${KEY_OPTION[options.require]})`);
  }
  let payload = blob.subarray(header.size, header.size + header.payloadLength);
  if (role !== 'none') {
    const key = role === 'state' ? options.stateKey : options.migrationKey;
    if (!key) throw new StateRefusal('missing-key', `encrypted with a ${role === 'state' ? 'state' : 'migration'} key: give ${KEY_OPTION[role]}`);
    payload = unseal(blob, header, payload, key);
  }
  if (role === 'migration' && nested) {
    const inner = openState(payload, { stateKey: options.stateKey, require: null });
    if (inner.sealedWith === 'migration') throw new StateRefusal('damaged', 'a migration-sealed blob inside another');
    if (inner.type !== header.type || !inner.lineage.equals(header.lineage) || inner.generation !== header.generation) {
      throw new StateRefusal('inconsistent', 'the inner blob does not match its migration envelope');
    }
    return { ...inner, migrationSealed: true };
  }
  return {
    type: header.type,
    lineage: header.lineage,
    generation: header.generation,
    shutDown: header.shutDown,
    payload: Buffer.from(payload),
    sealedWith: role,
    migrationSealed: role === 'migration',
  };
}

interface Header {
  type: BlobType;
  role: KeyRole;
  kdf: number;
  nested: boolean;
  shutDown: boolean;
  lineage: Buffer;
  generation: bigint;
  payloadLength: number;
  size: number;
}

function readHeader(blob: Buffer): Header {
  if (blob.length < MAGIC.length || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new StateRefusal('not-vtpm-state', 'not a vtpm state (no vTPMSTAT header; swtpm state files cannot be read by vtpm)');
  }
  if (blob.length < PLAIN_HEADER + CHECKSUM) throw new StateRefusal('truncated', `truncated: ${blob.length} bytes, shorter than the header`);
  const version = blob.readUInt16BE(8);
  const role = ROLES[blob[14]!];
  const size = role === undefined || role === 'none' ? PLAIN_HEADER : SEALED_HEADER;
  const payloadLength = blob.readUInt32BE(40);
  const expected = size + payloadLength + CHECKSUM;
  const checksumOk = createHash('sha256').update(blob.subarray(0, blob.length - CHECKSUM)).digest().equals(blob.subarray(blob.length - CHECKSUM));
  if (!checksumOk) {
    if (blob.length < expected) throw new StateRefusal('truncated', `truncated: ${blob.length} bytes, the header announces ${expected}`);
    throw new StateRefusal('damaged', 'damaged: checksum mismatch (bytes changed after it was written)');
  }
  if (version !== ENVELOPE_VERSION) throw new StateRefusal('unsupported-version', `format version ${version}, this vtpm reads version ${ENVELOPE_VERSION}`);
  if (role === undefined) throw new StateRefusal('damaged', `unknown key role ${blob[14]}`);
  if (blob.length !== expected) throw new StateRefusal('damaged', `${blob.length} bytes, the header announces ${expected}`);
  const type = blob.readUInt16BE(10);
  if (!isBlobType(type)) throw new StateRefusal('wrong-blob-type', `unknown blob type ${type}`);
  const flags = blob.readUInt16BE(12);
  return {
    type,
    role,
    kdf: blob[15]!,
    nested: (flags & FLAG_NESTED) !== 0,
    shutDown: (flags & FLAG_SHUT_DOWN) !== 0,
    lineage: Buffer.from(blob.subarray(16, 32)),
    generation: blob.readBigUInt64BE(32),
    payloadLength,
    size,
  };
}

function unseal(blob: Buffer, header: Header, ciphertext: Buffer, key: StateKey): Buffer {
  const what = KEY_OPTION[header.role as Exclude<KeyRole, 'none'>];
  if (header.kdf !== KDF_ID[key.derivation]) {
    const kinds = ['key file', 'passphrase (pbkdf2)', 'passphrase (sha512)'];
    throw new StateRefusal('wrong-key', `wrong key: sealed with a ${kinds[header.kdf] ?? `kdf ${header.kdf}`}, ${what} gives a ${kinds[KDF_ID[key.derivation]]}`);
  }
  const iterations = blob.readUInt32BE(44);
  if (iterations > MAX_ITERATIONS) throw new StateRefusal('damaged', `${iterations} key derivation iterations, more than ${MAX_ITERATIONS}`);
  const salt = Buffer.from(blob.subarray(48, 48 + SALT_BYTES));
  const keys = key.keysFor(salt, iterations);
  if (!timingSafeEqual(keyCheck(keys.check), blob.subarray(64, 80))) {
    throw new StateRefusal('wrong-key', `wrong key: ${what} does not match the key this ${BLOB_NAMES[header.type]} state was encrypted with`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryption, blob.subarray(80, 92));
    decipher.setAAD(blob.subarray(0, 80));
    decipher.setAuthTag(blob.subarray(92, 108));
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    key.adoptSalt(salt);
    return plain;
  } catch {
    throw new StateRefusal('tampered', 'failed authentication: modified by someone who also recomputed its checksum');
  }
}

function keyCheck(checkKey: Buffer): Buffer {
  return createHmac('sha256', checkKey).update('vtpm state key check').digest().subarray(0, 16);
}
