import { randomBytes } from 'node:crypto';
import { TPMA_SESSION } from '../constants/attributes.js';
import { TPM_RS_PW } from '../constants/handles.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { parameterDecrypt, parameterEncrypt } from '../crypto/paramEncryption.js';
import { cpHash, rpHash, sessionHmac } from '../sessions/sessionHmac.js';
import type { AuthCommand, AuthResponse } from '../structures/auth.js';
import { authBytes, type ClientAuth, type ClientHmacSession } from './clientSession.js';

const EMPTY = Buffer.alloc(0);

/** One command's sessions from the caller's side: what it sends and how it checks the answer. */
export class CommandSessions {
  private readonly sent: AuthCommand[] = [];
  private readonly decryptIndex: number;
  private readonly encryptIndex: number;

  constructor(
    private readonly auths: readonly ClientAuth[],
    /** Names of the handles that need authorization, in order (a session past them authorizes nothing). */
    private readonly authNames: readonly Buffer[],
    private readonly commandCode: number,
  ) {
    this.decryptIndex = auths.findIndex((a) => 'session' in a && a.session.attributes & TPMA_SESSION.decrypt);
    this.encryptIndex = auths.findIndex((a) => 'session' in a && a.session.attributes & TPMA_SESSION.encrypt);
  }

  private session(i: number): ClientHmacSession {
    const a = this.auths[i]!;
    if (!('session' in a)) throw new Error('a password session cannot encrypt');
    return a.session;
  }

  private authValue(i: number): Buffer {
    const a = this.auths[i]!;
    return 'session' in a ? authBytes(a.authValue) : EMPTY;
  }

  private entityName(i: number): Buffer | null {
    return this.authNames[i] ?? null;
  }

  /**
   * The authorization area for these parameters; returns the parameters as sent (the first one
   * encrypted when a session has decrypt set). Every session gets a fresh nonceCaller.
   */
  authorize(params: Buffer, names: readonly Buffer[]): { auths: AuthCommand[]; params: Buffer } {
    for (const a of this.auths) if ('session' in a) a.session.nonceCaller = randomBytes(a.session.nonceCaller.length || digestSize(a.session.authHash));
    let sentParams = params;
    if (this.decryptIndex >= 0) {
      const s = this.session(this.decryptIndex);
      const size = params.readUInt16BE(0);
      const key = s.encryptionKey(this.authValue(this.decryptIndex), this.entityName(this.decryptIndex) !== null);
      const enc = parameterEncrypt(s.symmetric, s.authHash, key, s.nonceCaller, s.nonceTPM, params.subarray(2, 2 + size));
      sentParams = Buffer.concat([params.subarray(0, 2), enc, params.subarray(2 + size)]);
    }
    this.auths.forEach((a, i) => {
      if ('password' in a) {
        this.sent.push({ sessionHandle: TPM_RS_PW, nonce: EMPTY, sessionAttributes: TPMA_SESSION.continueSession, hmac: authBytes(a.password) });
        return;
      }
      const s = a.session;
      const entity = this.entityName(i);
      let hmac: Buffer;
      if (s.isPolicy && s.policyAuth === 'password' && entity !== null) hmac = authBytes(a.authValue);
      else {
        const key = s.hmacKey(authBytes(a.authValue), entity);
        const [nonceDecrypt, nonceEncrypt] = this.extraNonces(i);
        hmac = key.length === 0 ? EMPTY : sessionHmac(s.authHash, key, cpHash(s.authHash, this.commandCode, names, sentParams), s.nonceCaller, s.nonceTPM, s.attributes, nonceDecrypt, nonceEncrypt);
      }
      this.sent.push({ sessionHandle: s.handle, nonce: s.nonceCaller, sessionAttributes: s.attributes, hmac });
    });
    return { auths: this.sent, params: sentParams };
  }

  /** nonceTPM of separate decrypt / encrypt sessions, which the first authorization session's HMAC covers (Part 1, 19.6.5). */
  private extraNonces(i: number): [Buffer, Buffer] {
    if (i !== 0 || this.entityName(0) === null) return [EMPTY, EMPTY];
    const d = this.decryptIndex > 0 ? this.session(this.decryptIndex).nonceTPM : EMPTY;
    const e = this.encryptIndex > 0 && this.encryptIndex !== this.decryptIndex ? this.session(this.encryptIndex).nonceTPM : EMPTY;
    return [d, e];
  }

  /**
   * Checks the response sessions over the response parameters as received, takes the new nonces,
   * and returns the parameters with the first one decrypted when a session had encrypt set.
   */
  verify(responses: readonly AuthResponse[], respParams: Buffer, commandName: string): Buffer {
    this.auths.forEach((a, i) => {
      const ar = responses[i]!;
      if ('password' in a) return;
      const s = a.session;
      s.nonceTPM = ar.nonce;
      const entity = this.entityName(i);
      const passwordPolicy = s.isPolicy && s.policyAuth === 'password' && entity !== null;
      const key = s.hmacKey(authBytes(a.authValue), entity);
      const expected =
        passwordPolicy || (key.length === 0 && this.sent[i]!.hmac.length === 0)
          ? EMPTY
          : sessionHmac(s.authHash, key, rpHash(s.authHash, this.commandCode, respParams), ar.nonce, s.nonceCaller, ar.sessionAttributes);
      if (!expected.equals(ar.hmac)) throw new Error(`${commandName}: response HMAC of session ${i + 1} does not verify`);
      // the TPM starts a continuing policy session over after each use
      if (s.isPolicy) s.policyAuth = 'none';
    });
    if (this.encryptIndex < 0 || respParams.length < 2) return respParams;
    const s = this.session(this.encryptIndex);
    const size = respParams.readUInt16BE(0);
    const key = s.encryptionKey(this.authValue(this.encryptIndex), this.entityName(this.encryptIndex) !== null);
    const plain = parameterDecrypt(s.symmetric, s.authHash, key, s.nonceTPM, s.nonceCaller, respParams.subarray(2, 2 + size));
    return Buffer.concat([respParams.subarray(0, 2), plain, respParams.subarray(2 + size)]);
  }
}
