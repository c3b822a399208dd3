import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { MasterKey } from './masterKey.js';

/** Where the master key comes from: a 32-octet key file, or a passphrase stretched with scrypt. */
export type MasterKeySource = { file: string; create?: boolean } | { passphrase: string };

/** scrypt cost: about 50 ms on this class of machine, once per broker start. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Reads a key file (32 raw octets or 64 hex digits); with `create`, makes one (mode 0600) when absent. */
export function masterKeyFromFile(path: string, create = false): MasterKey {
  if (!existsSync(path)) {
    if (!create) throw new Error(`master key file ${path} does not exist (create one with 32 random octets, mode 0600)`);
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
  const raw = readFileSync(path);
  const text = raw.toString('latin1').trim();
  if (raw.length === 32) return new MasterKey(raw);
  if (/^[0-9a-f]{64}$/i.test(text)) return new MasterKey(Buffer.from(text, 'hex'));
  throw new Error(`master key file ${path} holds neither 32 octets nor 64 hex digits`);
}

/** Derives the master key from a passphrase; `salt` lives in the store so every replica derives the same key. */
export function masterKeyFromPassphrase(passphrase: string, salt: Uint8Array): MasterKey {
  if (!passphrase) throw new Error('an empty passphrase cannot protect keys');
  return new MasterKey(scryptSync(passphrase, salt, 32, SCRYPT));
}

export const newPassphraseSalt = (): Buffer => randomBytes(16);
