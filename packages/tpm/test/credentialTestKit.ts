import {
  Create, FlushContext, Import, Load, TPM_ALG, TPM_RH, TPMA_OBJECT, TPMT_PUBLIC, TPMT_SENSITIVE, unmarshal, wrapForImport,
  type TpmClient, type TpmtPublic, type TpmtSensitive,
} from '../src/index.js';
import { createPrimary, eccSigningTemplate } from './kit/keys.js';
import { PW } from './kit/startedTpm.js';
import { CREDENTIAL_VECTORS as V } from './vectors/credentialVectors.js';

/** Fixtures shared by the credential and duplication tests. */

export const hex = (s: string) => Buffer.from(s, 'hex');
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, sign, noDA } = TPMA_OBJECT;

/** A vector's protector (restricted decryption key) as parsed public and sensitive areas. */
export function vectorKey(kind: 'rsa' | 'ecc'): { pub: TpmtPublic; sensitive: TpmtSensitive } {
  const p = V.protectors[kind];
  return { pub: unmarshal(TPMT_PUBLIC, hex(p.public)) as TpmtPublic, sensitive: unmarshal(TPMT_SENSITIVE, hex(p.sensitive)) as TpmtSensitive };
}

/** The scalar or prime of a protector: what secretDecrypt needs. */
export const privatePart = (kind: 'rsa' | 'ecc') => vectorKey(kind).sensitive.sensitive;

/** An ECC P-256 ECDSA signing key, duplicable unless `fixed`, usable by policy `authPolicy`. */
export function signingTemplate(o: { authPolicy?: Buffer; fixed?: boolean; extra?: number } = {}): TpmtPublic {
  const attrs = (o.fixed ? fixedTPM | fixedParent : 0) | sensitiveDataOrigin | userWithAuth | sign | noDA | (o.extra ?? 0);
  return eccSigningTemplate(attrs, o.authPolicy);
}

export async function primary(client: TpmClient, template: TpmtPublic, hierarchy: number = TPM_RH.OWNER) {
  const r = await createPrimary(client, hierarchy, { template });
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
