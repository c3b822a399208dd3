import { TPM_ALG } from '../constants/alg.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_SE } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { secretDecrypt } from '../crypto/asymmetricSecret.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { isPinIndex } from '../nv/nvPin.js';
import { TpmKey } from '../objects/tpmKey.js';
import { AuthSession } from '../sessions/authSession.js';
import { entityAuthValue, isDaExempt, nvIndexAt } from '../sessions/entity.js';
import { policyNow, timeEpoch } from '../sessions/policyTime.js';
import { sessionKey } from '../sessions/sessionKey.js';
import { implement } from '../pipeline/handler.js';
import { FlushContext, StartAuthSession } from '../spec/session.js';
import type { Tpm } from '../tpm.js';

const param = (rc: number, n: number, detail: string): never => {
  throw new TpmError(rc, detail).forParameter(n);
};
const handle = (rc: number, n: number, detail: string): never => {
  throw new TpmError(rc, detail).forHandle(n);
};

/** The salt: decrypted from encryptedSalt with tpmKey (RSA-OAEP or ECDH + KDFe, label "SECRET"), or empty. */
function decryptSalt(tpm: Tpm, tpmKey: number, encryptedSalt: Buffer): Buffer {
  if (tpmKey === TPM_RH.NULL) {
    if (encryptedSalt.length !== 0) param(TPM_RC.VALUE, 2, 'encryptedSalt without tpmKey');
    return Buffer.alloc(0);
  }
  const key = tpm.objectAt(tpmKey);
  if (!(key instanceof TpmKey) || (key.pub.type !== TPM_ALG.RSA && key.pub.type !== TPM_ALG.ECC)) return handle(TPM_RC.KEY, 1, 'tpmKey is not an asymmetric key');
  if (encryptedSalt.length === 0) param(TPM_RC.VALUE, 2, 'a salted session needs encryptedSalt');
  if (key.external && key.sensitive.sensitive.length === 0) handle(TPM_RC.HANDLE, 1, 'tpmKey has no private part loaded');
  if (!key.has('decrypt')) handle(TPM_RC.ATTRIBUTES, 1, 'tpmKey is not a decryption key');
  try {
    return secretDecrypt(key.pub, key.sensitive.sensitive, 'SECRET', encryptedSalt);
  } catch {
    return param(TPM_RC.VALUE, 2, 'encryptedSalt does not decrypt');
  }
}

/** A bind entity must have its authValue at hand: not a public-only object, not a PIN index. */
function checkBind(tpm: Tpm, bind: number): void {
  const t = handleTypeOf(bind);
  if (t === TPM_HT.TRANSIENT || t === TPM_HT.PERSISTENT) {
    const obj = tpm.objectAt(bind);
    if (obj instanceof TpmKey && obj.external && obj.sensitive.sensitive.length === 0) handle(TPM_RC.HANDLE, 2, 'bind object has no private part loaded');
  } else if (t === TPM_HT.NV_INDEX) {
    const nv = nvIndexAt(tpm, bind);
    if (nv && isPinIndex(nv)) handle(TPM_RC.HANDLE, 2, 'a PIN index cannot be bound');
  }
}

/** Part 3, 11.1 (the reference's TPM2_StartAuthSession and SessionCreate). */
export const startAuthSession = implement(StartAuthSession, (tpm, { handles, params }) => {
  const { nonceCaller, authHash, symmetric, sessionType } = params;
  if (nonceCaller.length < 16 || nonceCaller.length > digestSize(authHash)) param(TPM_RC.SIZE, 1, 'nonceCaller must be 16 octets up to the digest size');
  const salt = decryptSalt(tpm, handles.tpmKey, params.encryptedSalt);
  const bind = handles.bind;
  checkBind(tpm, bind);
  if (symmetric.algorithm !== TPM_ALG.NULL && symmetric.algorithm !== TPM_ALG.XOR && symmetric.mode !== TPM_ALG.CFB) param(TPM_RC.MODE, 4, 'session encryption uses CFB');

  const sessionHandle = tpm.sessions.allocateHandle(sessionType);
  // nonceTPM has the size of nonceCaller (the reference's SessionCreate)
  const nonceTPM = tpm.random.bytes(nonceCaller.length);
  const bound = bind !== TPM_RH.NULL;
  const bindAuth = bound ? entityAuthValue(tpm, bind) : Buffer.alloc(0);
  const isDaBound = bound && !isDaExempt(tpm, bind);
  tpm.sessions.add(
    new AuthSession({
      handle: sessionHandle,
      type: sessionType,
      authHash,
      nonceTPM,
      sessionKey: bound || salt.length ? sessionKey(authHash, bindAuth, salt, nonceTPM, nonceCaller) : Buffer.alloc(0),
      symmetric,
      bind: bound && sessionType === TPM_SE.HMAC ? { name: tpm.nameOf(bind), authValue: bindAuth } : null,
      isDaBound,
      isLockoutBound: isDaBound && bind === TPM_RH.LOCKOUT,
      startTime: policyNow(tpm),
      epoch: timeEpoch(tpm),
    }),
  );
  return { sessionHandle, nonceTPM };
});

/** Part 3, 28.4: a loaded object, or a loaded or saved session. */
export const flushContext = implement(FlushContext, (tpm, { params }) => {
  const h = params.flushHandle;
  // The reference finds a session by its slot alone (SessionIsLoaded/SessionIsSaved): a handle of either
  // session range flushes it, as tpm2_flushcontext -s does with the 0x02 handles GetCapability lists saved sessions under.
  const removed = handleTypeOf(h) === TPM_HT.TRANSIENT ? tpm.objects.remove(h) : tpm.sessions.remove(h) || tpm.sessions.remove(h ^ 0x01000000);
  if (!removed) param(TPM_RC.HANDLE, 1, 'nothing loaded at this handle');
  return {};
});
