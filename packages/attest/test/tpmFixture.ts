import {
  CreatePrimary,
  FlushContext,
  InProcessTransport,
  PCR_Extend,
  PCR_Read,
  Quote,
  Startup,
  TPMA_OBJECT,
  TPM_ALG,
  TPM_RH,
  TPM_SU,
  Tpm,
  TpmClient,
  digestSize,
  hash,
  pcrBitmap,
  type PcrSelection,
  type Signature,
  type TpmtPublic,
} from '@vtpm/tpm';
import { pcrValuesFromDigests, type PcrValues } from '../src/index.js';

/** An in-process TPM and the keys and quotes the verifier tests need. */

export const { SHA1, SHA256, SHA384, SHA512, NULL, ECDSA, RSASSA, RSAPSS } = TPM_ALG;
export const PW = [{ password: '' }];
const A = TPMA_OBJECT;
export const AK_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign | A.noDA;
export const UNRESTRICTED_SIGNING = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.sign | A.noDA;
/** A restricted decryption key usable with a password (the TCG EK template needs a policy session instead). */
export const EK_LIKE_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.decrypt | A.noDA;

export interface Fixture {
  tpm: Tpm;
  client: TpmClient;
}

export async function startedTpm(seed = 'attest tests'): Promise<Fixture> {
  const tpm = new Tpm({ seed: Buffer.from(seed) });
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return { tpm, client };
}

/** A TPM Reset: _TPM_Init then Startup(CLEAR) with no Shutdown(STATE) before. */
export async function reboot(f: Fixture): Promise<void> {
  f.tpm.init();
  await f.client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
}

export type Scheme = { scheme: number; details: { hashAlg: number } | null };
export const scheme = (s: number, hashAlg: number = SHA256): Scheme => ({ scheme: s, details: s === NULL ? null : { hashAlg } });
const NO_SYM = { algorithm: NULL, keyBits: 0, mode: 0 };
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };

export function eccTemplate(attributes: number, sch: Scheme = scheme(ECDSA), curveID = 3): TpmtPublic {
  const symmetric = attributes & A.decrypt && attributes & A.restricted ? AES128CFB : NO_SYM;
  return { type: TPM_ALG.ECC, nameAlg: SHA256, objectAttributes: attributes, authPolicy: Buffer.alloc(0), parameters: { symmetric, scheme: sch, curveID, kdf: scheme(NULL) }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } };
}

export function rsaTemplate(attributes: number, sch: Scheme = scheme(RSASSA)): TpmtPublic {
  const symmetric = attributes & A.decrypt && attributes & A.restricted ? AES128CFB : NO_SYM;
  return { type: TPM_ALG.RSA, nameAlg: SHA256, objectAttributes: attributes, authPolicy: Buffer.alloc(0), parameters: { symmetric, scheme: sch, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0) };
}

/** A primary key (endorsement hierarchy by default: counters in its quotes are not obfuscated). */
export async function createPrimary(client: TpmClient, template: TpmtPublic, hierarchy: number = TPM_RH.ENDORSEMENT): Promise<{ handle: number; pub: TpmtPublic; name: Buffer }> {
  const r = await client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: PW,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  return { handle: r.handle, pub: r.outPublic, name: r.name };
}

export const flush = (client: TpmClient, handle: number) => client.run(FlushContext, { params: { flushHandle: handle } });

export const sel = (bank: number, pcrs: number[]): PcrSelection => ({ hash: bank, pcrSelect: pcrBitmap(pcrs) });

/** Extends `pcr` in every bank with the digest of `data` (what a measured-boot component would do). */
export async function measure(client: TpmClient, pcr: number, data: string | Buffer): Promise<void> {
  const digests = [SHA1, SHA256, SHA384, SHA512].map((hashAlg) => ({ hashAlg, digest: hash(hashAlg, Buffer.from(data)) }));
  await client.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PW, params: { digests } });
}

/** PCR values as the TPM reports them (PCR_Read, repeated until the whole selection is read). */
export async function readPcrs(client: TpmClient, selection: PcrSelection[]): Promise<PcrValues> {
  const out = new Map<number, Map<number, Buffer>>();
  for (const s of selection) {
    let remaining = [s];
    while (remaining.some((r) => r.pcrSelect.some((b) => b))) {
      const r = await client.run(PCR_Read, { params: { pcrSelectionIn: remaining } });
      for (const [bank, values] of pcrValuesFromDigests(r.pcrSelectionOut, r.pcrValues)) {
        if (!out.has(bank)) out.set(bank, new Map());
        for (const [pcr, v] of values) out.get(bank)!.set(pcr, v);
      }
      remaining = remaining.map((x) => ({ hash: x.hash, pcrSelect: Buffer.from(x.pcrSelect.map((b, i) => b & ~(r.pcrSelectionOut.find((o) => o.hash === x.hash)?.pcrSelect[i] ?? 0))) }));
    }
  }
  return out;
}

export async function quote(client: TpmClient, akHandle: number, nonce: Buffer, selection: PcrSelection[], sch: Scheme = scheme(NULL)): Promise<{ quoted: Buffer; signature: Signature }> {
  return client.run(Quote, { handles: { signHandle: akHandle }, auth: PW, params: { qualifyingData: nonce, inScheme: sch, PCRselect: selection } });
}

export const zeroPcr = (bank: number) => Buffer.alloc(digestSize(bank));
