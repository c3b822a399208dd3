import { Create, CreatePrimary, FlushContext, Load, ReadPublic, TPM_RH, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import type { AkSource } from '../args/handleValue.js';
import { AK_TEMPLATE } from './akTemplate.js';

/** An AK loaded in the TPM for one quote. */
export interface LoadedAk {
  handle: number;
  public: TpmtPublic;
  name: Buffer;
  /** For the user: where the AK came from. */
  origin: string;
  /** Made for this quote and flushed afterwards (a persistent AK stays). */
  transient: boolean;
}

const EMPTY_AUTH = [{ password: '' }];
const NO_SENSITIVE = { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) };
const hex = (handle: number) => `0x${handle.toString(16)}`;

export async function loadAk(client: TpmClient, source: AkSource): Promise<LoadedAk> {
  if (source.kind === 'persistent') {
    const r = await client.run(ReadPublic, { handles: { objectHandle: source.handle }, params: {} });
    return { handle: source.handle, public: r.outPublic, name: r.name, origin: `persistent AK ${hex(source.handle)}`, transient: false };
  }
  const creation = { inSensitive: NO_SENSITIVE, inPublic: AK_TEMPLATE, outsideInfo: Buffer.alloc(0), creationPCR: [] };
  if (source.kind === 'primary') {
    const r = await client.run(CreatePrimary, { handles: { primaryHandle: source.hierarchy }, auth: EMPTY_AUTH, params: creation });
    const hierarchy = source.hierarchy === TPM_RH.ENDORSEMENT ? 'endorsement' : 'owner';
    return { handle: r.handle, public: r.outPublic, name: r.name, origin: `ECC P-256 primary key of the ${hierarchy} hierarchy`, transient: true };
  }
  const created = await client.run(Create, { handles: { parentHandle: source.parent }, auth: EMPTY_AUTH, params: creation });
  const loaded = await client.run(Load, { handles: { parentHandle: source.parent }, auth: EMPTY_AUTH, params: { inPrivate: created.outPrivate, inPublic: created.outPublic } });
  return { handle: loaded.handle, public: created.outPublic, name: loaded.name, origin: `ECC P-256 key under ${hex(source.parent)}`, transient: true };
}

/** Without a resource manager a loaded object stays until flushed; the TPM holds only 3. */
export async function releaseAk(client: TpmClient, ak: LoadedAk): Promise<void> {
  if (ak.transient) await client.run(FlushContext, { params: { flushHandle: ak.handle } });
}
