import {
  ContextLoad, ContextSave, CreatePrimary, EvictControl, FlushContext, NV_DefineSpace, NV_Read, NV_Write, PCR_Extend, PCR_Read, ReadPublic, Shutdown, Startup,
  TPM_ALG, TPM_ECC_CURVE, TPM_RH, TPM_SU, TPMA_NV, TPMA_OBJECT, TpmClient, pcrBitmap, startSession, type ClientHmacSession, type TpmsContext,
} from '@vtpm/tpm';
import { SwtpmTransport } from '../../src/index.js';

/** A TPM's content spread over its state: PCRs, NV, a persistent key, a saved session. */

export const NV_INDEX = 0x01500001;
export const NV_DATA = Buffer.from('survives the move');
export const PERSISTENT_HANDLE = 0x81000005;
const PASSWORD = [{ password: '' }];
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, noDA } = TPMA_OBJECT;
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };

export interface Populated {
  session: ClientHmacSession;
  sessionContext: TpmsContext;
}

export async function connectClient(port: number): Promise<{ client: TpmClient; close: () => Promise<void> }> {
  const transport = await SwtpmTransport.connect('127.0.0.1', port);
  return { client: new TpmClient(transport), close: () => transport.close() };
}

/** Startup; PCR 7 extended (saved by Shutdown(STATE), unlike 16-23); an NV index written; a primary key made persistent; an HMAC session saved. */
export async function populate(client: TpmClient): Promise<Populated> {
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  await client.run(PCR_Extend, { handles: { pcrHandle: 7 }, auth: PASSWORD, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 0x07) }] } });
  const publicInfo = { nvIndex: NV_INDEX, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD, authPolicy: Buffer.alloc(0), dataSize: NV_DATA.length };
  await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: PASSWORD, params: { auth: Buffer.alloc(0), publicInfo } });
  await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: PASSWORD, params: { data: NV_DATA, offset: 0 } });
  const primary = await client.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.OWNER },
    auth: PASSWORD,
    params: {
      inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) },
      inPublic: {
        type: TPM_ALG.ECC,
        nameAlg: TPM_ALG.SHA256,
        objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA,
        authPolicy: Buffer.alloc(0),
        parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: NO_SCHEME, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME },
        unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
      },
      outsideInfo: Buffer.alloc(0),
      creationPCR: [],
    },
  });
  await client.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: primary.handle }, auth: PASSWORD, params: { persistentHandle: PERSISTENT_HANDLE } });
  await client.run(FlushContext, { params: { flushHandle: primary.handle } });
  const session = await startSession(client);
  const { context } = await client.run(ContextSave, { handles: { saveHandle: session.handle }, params: {} });
  return { session, sessionContext: context };
}

export async function shutdownState(client: TpmClient): Promise<void> {
  await client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
}

/** What a client sees of the content: PCR 7, the NV data, the persistent key's Name. */
export async function inspect(client: TpmClient): Promise<{ pcr7: string; nv: string; persistentName: string }> {
  const pcrs = await client.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([7]) }] } });
  const nv = await client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: PASSWORD, params: { size: NV_DATA.length, offset: 0 } });
  const key = await client.run(ReadPublic, { handles: { objectHandle: PERSISTENT_HANDLE }, params: {} });
  return { pcr7: pcrs.pcrValues[0]!.toString('hex'), nv: nv.data.toString(), persistentName: key.name.toString('hex') };
}

/** Loads the saved session and authorizes an NV read with it: the session's nonces must continue where they were. */
export async function useSavedSession(client: TpmClient, saved: Populated): Promise<void> {
  const { handle } = await client.run(ContextLoad, { params: { context: saved.sessionContext } });
  if (handle !== saved.session.handle) throw new Error(`session loaded at 0x${handle.toString(16)}, saved from 0x${saved.session.handle.toString(16)}`);
  await client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV_INDEX }, auth: [{ session: saved.session }], params: { size: 4, offset: 0 } });
}
