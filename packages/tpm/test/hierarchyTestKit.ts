import { ClientHmacSession, Create, StartAuthSession, TPM_ALG, TPM_RH, TPM_SE, TPMA_OBJECT, kdfa, type ClientAuth, type TpmClient } from '../src/index.js';
import { STORAGE_ATTRIBUTES, eccStorageTemplate, sealTemplate } from './kit/keys.js';
import { startClockedTpm, type ClockedTpm } from './kit/startedTpm.js';

/** Shared fixtures of the context, hierarchy and dictionary-attack tests. */

export type Started = ClockedTpm;

/** A started TPM on a test clock standing at 0 ms. */
export const started = (seed = 'hierarchy'): Promise<Started> => startClockedTpm(seed, 0);

/** An ECC P-256 storage key template; `daProtected` leaves noDA clear. */
export function storageTemplate(opts: { daProtected?: boolean; stClear?: boolean } = {}) {
  let attrs = STORAGE_ATTRIBUTES & ~TPMA_OBJECT.noDA;
  if (!opts.daProtected) attrs |= TPMA_OBJECT.noDA;
  if (opts.stClear) attrs |= TPMA_OBJECT.stClear;
  return eccStorageTemplate(attrs);
}

/** Create of a sealed object under `parent` (authorizes the parent: counts toward DA when it is protected). */
export function createSealed(client: TpmClient, parent: number, parentAuth: ClientAuth) {
  return client.run(Create, {
    handles: { parentHandle: parent },
    auth: [parentAuth],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.from('secret') }, inPublic: sealTemplate(), outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

/** An HMAC session bound to `bind` (authValue `bindAuth`), with the client's copy of its key. */
export async function boundHmacSession(client: TpmClient, bind: number, bindAuth: string): Promise<ClientHmacSession> {
  const nonceCaller = Buffer.alloc(32, 0x5c);
  const r = await client.run(StartAuthSession, {
    handles: { tpmKey: TPM_RH.NULL, bind },
    params: { nonceCaller, encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
  });
  const key = kdfa(TPM_ALG.SHA256, Buffer.from(bindAuth), 'ATH', r.nonceTPM, nonceCaller, 256);
  const name = Buffer.alloc(4);
  name.writeUInt32BE(bind);
  return new ClientHmacSession(r.handle, TPM_ALG.SHA256, r.nonceTPM, nonceCaller, key, name);
}
