import {
  Create, CreatePrimary, FlushContext, Import, Load, TPM_ALG, TPM_RH, TPMA_OBJECT, TPMT_PUBLIC, TPMT_SENSITIVE, unmarshal, wrapForImport,
  type TpmClient, type TpmtPublic, type TpmtSensitive,
} from '../src/index.js';
import { CREDENTIAL_VECTORS as V } from './vectors/credentialVectors.js';

/** Fixtures shared by the credential and duplication tests. */

export const hex = (s: string) => Buffer.from(s, 'hex');
export const PW = [{ password: '' }];
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;

/** A vector's protector (restricted decryption key) as parsed public and sensitive areas. */
export function vectorKey(kind: 'rsa' | 'ecc'): { pub: TpmtPublic; sensitive: TpmtSensitive } {
  const p = V.protectors[kind];
  return { pub: unmarshal(TPMT_PUBLIC, hex(p.public)) as TpmtPublic, sensitive: unmarshal(TPMT_SENSITIVE, hex(p.sensitive)) as TpmtSensitive };
}

/** The scalar or prime of a protector: what secretDecrypt needs. */
export const privatePart = (kind: 'rsa' | 'ecc') => vectorKey(kind).sensitive.sensitive;

export function storageTemplate(type: 'rsa' | 'ecc', attrs = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA): TpmtPublic {
  const base = { nameAlg: TPM_ALG.SHA256, objectAttributes: attrs, authPolicy: Buffer.alloc(0) };
  return type === 'rsa'
    ? { ...base, type: TPM_ALG.RSA, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0) }
    : { ...base, type: TPM_ALG.ECC, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: 3, kdf: NO_SCHEME }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } };
}

/** An ECC P-256 ECDSA signing key, duplicable unless `fixed`, usable by policy `authPolicy`. */
export function signingTemplate(o: { authPolicy?: Buffer; fixed?: boolean; extra?: number } = {}): TpmtPublic {
  const attrs = (o.fixed ? fixedTPM | fixedParent : 0) | sensitiveDataOrigin | userWithAuth | sign | noDA | (o.extra ?? 0);
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: attrs,
    authPolicy: o.authPolicy ?? Buffer.alloc(0),
    parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: NO_SCHEME },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  };
}

export async function primary(client: TpmClient, template: TpmtPublic, hierarchy: number = TPM_RH.OWNER) {
  const r = await client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: PW,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  return { handle: r.handle as number, pub: r.outPublic, name: r.name };
}

/** Create + Load under `parent`. */
export async function child(client: TpmClient, parent: number, template: TpmtPublic) {
  const c = await client.run(Create, {
    handles: { parentHandle: parent },
    auth: PW,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  const l = await client.run(Load, { handles: { parentHandle: parent }, auth: PW, params: { inPrivate: c.outPrivate, inPublic: c.outPublic } });
  return { handle: l.handle as number, pub: c.outPublic, priv: c.outPrivate, name: l.name };
}

/** A vector protector brought into the TPM under `parent` (Import of a software-wrapped blob, then Load), with a seedValue as a parent needs. */
export async function importVectorKey(client: TpmClient, parent: { handle: number; pub: TpmtPublic }, kind: 'rsa' | 'ecc') {
  const { pub, sensitive } = vectorKey(kind);
  const withSeed = { ...sensitive, seedValue: Buffer.alloc(32, 0x5e) };
  const blob = wrapForImport(parent.pub, pub, withSeed);
  const none = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
  const { outPrivate } = await client.run(Import, {
    handles: { parentHandle: parent.handle },
    auth: PW,
    params: { encryptionKey: Buffer.alloc(0), objectPublic: pub, duplicate: blob.duplicate, inSymSeed: blob.inSymSeed, symmetricAlg: none },
  });
  const l = await client.run(Load, { handles: { parentHandle: parent.handle }, auth: PW, params: { inPrivate: outPrivate, inPublic: pub } });
  return { handle: l.handle as number, pub, name: l.name };
}

export const flush = (client: TpmClient, handle: number) => client.run(FlushContext, { params: { flushHandle: handle } });
