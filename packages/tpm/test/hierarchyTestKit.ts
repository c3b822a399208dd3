import { expect } from 'chai';
import {
  ClientHmacSession, CreatePrimary, Create, InProcessTransport, StartAuthSession, Startup, Tpm, TpmClient, TpmResponseError,
  TPM_ALG, TPM_RH, TPM_SE, TPM_SU, TPMA_OBJECT, kdfa, type ClientAuth,
} from '../src/index.js';

/** Shared fixtures of the context, hierarchy and dictionary-attack tests. */

export interface Started {
  tpm: Tpm;
  client: TpmClient;
  /** Milliseconds the test clock stands at (TpmOptions.now). */
  clock: { ms: number };
}

export async function started(seed = 'hierarchy'): Promise<Started> {
  const clock = { ms: 0 };
  const tpm = new Tpm({ seed: Buffer.from(seed), now: () => clock.ms });
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return { tpm, client, clock };
}

/** _TPM_Init then Startup: TPM Reset, or TPM Restart / Resume when a Shutdown(STATE) came before. */
export async function reboot(s: Started, startupType: number = TPM_SU.CLEAR): Promise<void> {
  s.tpm.init();
  await s.client.run(Startup, { params: { startupType } });
}

/** The response code of a command that must fail. */
export async function rcOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TpmResponseError) return e.rc;
    throw e;
  }
  expect.fail('the command succeeded');
}

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, noDA } = TPMA_OBJECT;
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };

/** An ECC P-256 storage key template; `daProtected` leaves noDA clear. */
export function storageTemplate(opts: { daProtected?: boolean; stClear?: boolean } = {}) {
  let attrs = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt;
  if (!opts.daProtected) attrs |= noDA;
  if (opts.stClear) attrs |= TPMA_OBJECT.stClear;
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: attrs,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: 0x0003, kdf: NO_SCHEME },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  };
}

/** A sealed-data (keyedhash) template, quick to create under a storage parent. */
export function sealTemplate() {
  return {
    type: TPM_ALG.KEYEDHASH,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: fixedTPM | fixedParent | userWithAuth | noDA,
    authPolicy: Buffer.alloc(0),
    parameters: { scheme: NO_SCHEME },
    unique: Buffer.alloc(0),
  };
}

export function createPrimary(
  client: TpmClient,
  hierarchy: number,
  opts: { auth?: ClientAuth; userAuth?: string; template?: ReturnType<typeof storageTemplate> } = {},
) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: [opts.auth ?? { password: '' }],
    params: {
      inSensitive: { userAuth: Buffer.from(opts.userAuth ?? ''), data: Buffer.alloc(0) },
      inPublic: opts.template ?? storageTemplate(),
      outsideInfo: Buffer.alloc(0),
      creationPCR: [],
    },
  });
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
