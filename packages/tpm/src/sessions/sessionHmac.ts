import { hmac, hash } from '../crypto/hashAlgorithms.js';

const EMPTY = Buffer.alloc(0);

/** Trailing zero octets are not part of an authValue (Part 1, 19.6.4.3). */
export function trimAuth(auth: Buffer): Buffer {
  let n = auth.length;
  while (n > 0 && auth[n - 1] === 0) n--;
  return n === auth.length ? auth : auth.subarray(0, n);
}

/** cpHash = H(commandCode || name1 || ... || parameters) (Part 1, 18.7). */
export function cpHash(alg: number, commandCode: number, names: readonly Buffer[], parameters: Buffer): Buffer {
  const cc = Buffer.alloc(4);
  cc.writeUInt32BE(commandCode);
  return hash(alg, cc, ...names, parameters);
}

/** rpHash = H(responseCode || commandCode || parameters); responseCode is always 0 here. */
export function rpHash(alg: number, commandCode: number, parameters: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(commandCode, 4);
  return hash(alg, head, parameters);
}

/**
 * The session HMAC of Part 1, 19.6.5, from either side:
 * command:  HMAC(sessionKey || authValue, cpHash || nonceCaller || nonceTPM || nonceDecrypt || nonceEncrypt || attributes)
 * response: HMAC(sessionKey || authValue, rpHash || nonceTPM || nonceCaller || attributes)
 */
export function sessionHmac(
  authHash: number,
  key: Buffer,
  pHash: Buffer,
  nonceNewer: Buffer,
  nonceOlder: Buffer,
  attributes: number,
  decryptNonce: Buffer = EMPTY,
  encryptNonce: Buffer = EMPTY,
): Buffer {
  return hmac(authHash, key, pHash, nonceNewer, nonceOlder, decryptNonce, encryptNonce, Buffer.from([attributes]));
}
