import { randomBytes } from 'node:crypto';
import { TPM_RS_PW } from '../constants/handles.js';
import { TPM_ST } from '../constants/types.js';
import { TPM_RC, describeRc } from '../constants/rc.js';
import { TPMA_SESSION } from '../constants/attributes.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CommandSpec, HandleNamesOf, ParamsOf, ResponseOf } from '../pipeline/commandSpec.js';
import { TPMS_AUTH_COMMAND, TPMS_AUTH_RESPONSE } from '../structures/auth.js';
import { cpHash, rpHash, sessionHmac } from '../sessions/sessionHmac.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { authBytes, ClientHmacSession, type ClientAuth } from './clientSession.js';
import type { Transport } from './transport.js';

/** A TPM answered with a non-zero response code. */
export class TpmResponseError extends Error {
  constructor(
    readonly rc: number,
    readonly command: string,
  ) {
    super(`${command}: ${describeRc(rc)} (0x${rc.toString(16)})`);
    this.name = 'TpmResponseError';
  }
}

export interface RunArgs<S extends CommandSpec> {
  handles?: Record<HandleNamesOf<S>, number>;
  params: ParamsOf<S>;
  /** One entry per authorized handle (in order), then optional extra sessions. */
  auth?: ClientAuth[];
  /** Names of the handles for cpHash, when not the handle value itself (objects, NV indices). */
  names?: Buffer[];
  locality?: number;
}

/**
 * A typed TPM client driven by the same command descriptors as the TPM's dispatcher: whatever the
 * TPM parses, the client marshals with the same codec, and vice versa.
 */
export class TpmClient {
  constructor(
    readonly transport: Transport,
    readonly defaultLocality = 0,
  ) {}

  /** Sends one command; resolves with the typed response parameters plus `handle` (the response handle, or 0). */
  async run<S extends CommandSpec>(spec: S, args: RunArgs<S>): Promise<ResponseOf<S> & { handle: number }> {
    const handleValues = spec.handles.map((h) => {
      const v = (args.handles as Record<string, number> | undefined)?.[h.name];
      if (v === undefined) throw new Error(`${spec.name}: handle ${h.name} missing`);
      return v;
    });
    const auths = args.auth ?? [];
    const useSessions = auths.length > 0;
    const w = new Writer(256);
    w.u16(useSessions ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS).u32(0).u32(spec.code);
    for (const h of handleValues) w.u32(h);
    const pw = new Writer(128);
    spec.params.write(pw, args.params);
    const params = pw.finish();
    const names = args.names ?? handleValues.map((h) => u32(h));
    const authHandleNames = spec.handles.flatMap((h, i) => (h.auth ? [names[i]!] : []));
    if (useSessions) {
      const done = w.sizeU32();
      auths.forEach((a, i) => {
        if ('password' in a) {
          TPMS_AUTH_COMMAND.write(w, { sessionHandle: TPM_RS_PW, nonce: Buffer.alloc(0), sessionAttributes: TPMA_SESSION.continueSession, hmac: authBytes(a.password) });
          return;
        }
        const s = a.session;
        s.nonceCaller = randomBytes(digestSize(s.authHash));
        const entityName = authHandleNames[i] ?? null;
        const cp = cpHash(s.authHash, spec.code, names, params);
        const hmac = entityName === null && s.sessionKey.length === 0 ? Buffer.alloc(0) : sessionHmac(s.authHash, s.hmacKey(authBytes(a.authValue), entityName), cp, s.nonceCaller, s.nonceTPM, s.attributes);
        TPMS_AUTH_COMMAND.write(w, { sessionHandle: s.handle, nonce: s.nonceCaller, sessionAttributes: s.attributes, hmac });
      });
      done();
    }
    w.bytes(params);
    w.patchU32(2, w.offset);

    const rsp = await this.transport.send(w.finish(), args.locality ?? this.defaultLocality);
    const r = new Reader(rsp);
    const tag = r.u16();
    r.u32();
    const rc = r.u32();
    if (rc !== TPM_RC.SUCCESS) throw new TpmResponseError(rc, spec.name);
    const handle = spec.responseHandle ? r.u32() : 0;
    let paramEnd = r.end;
    if (tag === TPM_ST.SESSIONS) paramEnd = r.u32() + r.offset;
    const paramStart = r.offset;
    const pr = new Reader(rsp, paramStart, paramEnd);
    const response = spec.response.read(pr);
    r.offset = paramEnd;
    if (tag === TPM_ST.SESSIONS) {
      const respParams = rsp.subarray(paramStart, paramEnd);
      auths.forEach((a, i) => {
        const ar = TPMS_AUTH_RESPONSE.read(r);
        if ('password' in a) return;
        const s = a.session;
        s.nonceTPM = ar.nonce;
        if (ar.hmac.length === 0 && s.sessionKey.length === 0 && authHandleNames[i] === undefined) return;
        const expected = sessionHmac(s.authHash, s.hmacKey(authBytes(a.authValue), authHandleNames[i] ?? null), rpHash(s.authHash, spec.code, respParams), ar.nonce, s.nonceCaller, ar.sessionAttributes);
        if (!expected.equals(ar.hmac)) throw new Error(`${spec.name}: response HMAC of session ${i + 1} does not verify`);
      });
    }
    return Object.assign(response as object, { handle }) as unknown as ResponseOf<S> & { handle: number };
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export { ClientHmacSession };
