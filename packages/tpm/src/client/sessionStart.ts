import { randomBytes } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_SE } from '../constants/types.js';
import { secretEncrypt } from '../crypto/asymmetricSecret.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { sessionKey } from '../sessions/sessionKey.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { StartAuthSession } from '../spec/session.js';
import type { TpmtPublic } from '../structures/public.js';
import type { SymDef } from '../structures/symmetric.js';
import { authBytes, ClientHmacSession } from './clientSession.js';
import type { TpmClient } from './tpmClient.js';

export interface SessionOptions {
  /** TPM_SE_HMAC (default), TPM_SE_POLICY or TPM_SE_TRIAL. */
  type?: number;
  authHash?: number;
  /** Parameter encryption (default none); e.g. AES-128-CFB { algorithm: AES, keyBits: 128, mode: CFB }. */
  symmetric?: SymDef;
  /** Salt the session with this loaded decryption key (its public area encrypts the salt). */
  tpmKey?: { handle: number; public: TpmtPublic };
  /** Bind the session to this entity: its Name and authValue. */
  bind?: { handle: number; name: Buffer; authValue?: Buffer | string };
  /** nonceCaller size (default: the digest size). */
  nonceSize?: number;
}

/**
 * TPM2_StartAuthSession from the caller's side: salt encryption (RSA-OAEP or ECDH + KDFe, label
 * "SECRET") and the session key KDFa(authHash, bindAuth || salt, "ATH", nonceTPM, nonceCaller).
 */
export async function startSession(client: TpmClient, opts: SessionOptions = {}): Promise<ClientHmacSession> {
  const type = opts.type ?? TPM_SE.HMAC;
  const authHash = opts.authHash ?? TPM_ALG.SHA256;
  const symmetric = opts.symmetric ?? { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
  const nonceCaller = randomBytes(opts.nonceSize ?? digestSize(authHash));
  const salt = opts.tpmKey ? secretEncrypt(opts.tpmKey.public, 'SECRET') : null;
  const r = await client.run(StartAuthSession, {
    handles: { tpmKey: opts.tpmKey?.handle ?? TPM_RH.NULL, bind: opts.bind?.handle ?? TPM_RH.NULL },
    params: { nonceCaller, encryptedSalt: salt?.encrypted ?? Buffer.alloc(0), sessionType: type, symmetric, authHash },
  });
  const bindAuth = opts.bind ? trimAuth(authBytes(opts.bind.authValue)) : Buffer.alloc(0);
  const key = opts.bind || salt ? sessionKey(authHash, bindAuth, salt?.seed ?? Buffer.alloc(0), r.nonceTPM, nonceCaller) : Buffer.alloc(0);
  const bound = opts.bind && type === TPM_SE.HMAC ? opts.bind.name : null;
  const session = new ClientHmacSession(r.handle, authHash, r.nonceTPM, nonceCaller, key, bound);
  session.symmetric = symmetric;
  session.isPolicy = type !== TPM_SE.HMAC;
  return session;
}
