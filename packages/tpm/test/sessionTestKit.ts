import { Create, Load, type ClientAuth, type TpmClient, type TpmtPublic } from '../src/index.js';
import { sealTemplate } from './kit/keys.js';
import { startClockedTpm, type ClockedTpm } from './kit/startedTpm.js';

/** Fixtures of the session and policy tests: a started TPM, sealed objects. */

/** A started TPM on a test clock standing at 1000 ms. */
export const startedTpm = (seed = 'sessions'): Promise<ClockedTpm> => startClockedTpm(seed, 1000);

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
