import { expect } from 'chai';
import {
  Create, CreatePrimary, InProcessTransport, Load, Startup, Tpm, TpmClient, TpmResponseError,
  TPM_ALG, TPM_ECC_CURVE, TPM_RH, TPM_SU, TPMA_OBJECT, type ClientAuth, type TpmtPublic,
} from '../src/index.js';

/** Fixtures of the session and policy tests: a started TPM, key templates, sealed objects. */

export async function startedTpm(seed = 'sessions'): Promise<{ tpm: Tpm; client: TpmClient; clock: { ms: number } }> {
  const clock = { ms: 1000 };
  const tpm = new Tpm({ seed: Buffer.from(seed), now: () => clock.ms });
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return { tpm, client, clock };
}

/** The response code of a command that must fail. */
export async function rcOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TpmResponseError) return e.rc;
    throw e;
  }
  return expect.fail('the command succeeded');
}

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const STORAGE = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA;

export function rsaStorageTemplate(): TpmtPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 },
    unique: Buffer.alloc(0),
  };
}

export function eccStorageTemplate(): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  };
}

/** An ECC P-256 ECDSA-SHA256 signing key (not a decryption key). */
export function eccSigningTemplate(): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | sign | noDA,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  };
}

/** A sealed-data object; with an authPolicy and userWithAuth clear it opens only by policy. */
export function sealTemplate(opts: { authPolicy?: Buffer; userWithAuth?: boolean; adminWithPolicy?: boolean } = {}): TpmtPublic {
  let attrs = fixedTPM | fixedParent | noDA;
  if (opts.userWithAuth ?? true) attrs |= userWithAuth;
  if (opts.adminWithPolicy) attrs |= TPMA_OBJECT.adminWithPolicy;
  return { type: TPM_ALG.KEYEDHASH, nameAlg: TPM_ALG.SHA256, objectAttributes: attrs, authPolicy: opts.authPolicy ?? Buffer.alloc(0), parameters: { scheme: NO_SCHEME }, unique: Buffer.alloc(0) };
}

export async function createPrimary(client: TpmClient, template: TpmtPublic, userAuth = '', hierarchy: number = TPM_RH.OWNER) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: [{ password: '' }],
    params: { inSensitive: { userAuth: Buffer.from(userAuth), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

/** Creates and loads `data` sealed under `parent`; returns the loaded handle, its Name and public area. */
export async function loadSealed(client: TpmClient, parent: number, data: Buffer, opts: { userAuth?: string; template?: TpmtPublic; parentAuth?: ClientAuth } = {}) {
  const template = opts.template ?? sealTemplate();
  const c = await client.run(Create, {
    handles: { parentHandle: parent },
    auth: [opts.parentAuth ?? { password: '' }],
    params: { inSensitive: { userAuth: Buffer.from(opts.userAuth ?? ''), data }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  const l = await client.run(Load, { handles: { parentHandle: parent }, auth: [opts.parentAuth ?? { password: '' }], params: { inPrivate: c.outPrivate, inPublic: c.outPublic } });
  return { handle: l.handle, name: l.name, public: c.outPublic };
}
