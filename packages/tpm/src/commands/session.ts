import { TPM_ALG } from '../constants/alg.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { kdfa } from '../crypto/kdf.js';
import { TpmError } from '../errors.js';
import { AuthSession } from '../sessions/authSession.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { implement } from '../pipeline/handler.js';
import { FlushContext, StartAuthSession } from '../spec/session.js';

const param = (rc: number, n: number, detail: string): never => {
  throw new TpmError(rc, detail).forParameter(n);
};

export const startAuthSession = implement(StartAuthSession, (tpm, { handles, params }) => {
  const size = digestSize(params.authHash);
  if (params.nonceCaller.length < 16 || params.nonceCaller.length > size) param(TPM_RC.SIZE, 1, 'nonceCaller must be 16 octets up to the digest size');
  if (handles.tpmKey === TPM_RH.NULL && params.encryptedSalt.length) param(TPM_RC.VALUE, 2, 'encryptedSalt without tpmKey');
  if (handles.tpmKey !== TPM_RH.NULL) throw new TpmError(TPM_RC.KEY, 'salted sessions need a loaded decryption key').forHandle(1);
  if (params.symmetric.algorithm === TPM_ALG.AES && params.symmetric.mode !== TPM_ALG.CFB) param(TPM_RC.MODE, 4, 'session encryption uses CFB');
  const handle = tpm.sessions.allocateHandle(params.sessionType);
  const nonceTPM = tpm.random.bytes(size);
  const bound = handles.bind !== TPM_RH.NULL;
  const sessionKey = bound
    ? kdfa(params.authHash, trimAuth(tpm.authValueOf(handles.bind)), 'ATH', nonceTPM, params.nonceCaller, size * 8)
    : Buffer.alloc(0);
  const session = new AuthSession(
    handle,
    params.sessionType,
    params.authHash,
    nonceTPM,
    params.nonceCaller,
    sessionKey,
    params.symmetric,
    bound ? tpm.nameOf(handles.bind) : null,
    size,
  );
  tpm.sessions.add(session);
  return { sessionHandle: handle, nonceTPM };
});

export const flushContext = implement(FlushContext, (tpm, { params }) => {
  const h = params.flushHandle;
  const t = handleTypeOf(h);
  const removed = t === TPM_HT.TRANSIENT ? tpm.objects.remove(h) : tpm.sessions.remove(h);
  if (!removed) param(TPM_RC.HANDLE, 1, 'nothing loaded at this handle');
  return {};
});
