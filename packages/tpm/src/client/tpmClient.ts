import { TPM_ST } from '../constants/types.js';
import { TPM_RC, describeRc } from '../constants/rc.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CommandSpec, HandleNamesOf, ParamsOf, ResponseOf } from '../pipeline/commandSpec.js';
import { TPMS_AUTH_COMMAND, TPMS_AUTH_RESPONSE } from '../structures/auth.js';
import { ClientHmacSession, type ClientAuth } from './clientSession.js';
import { CommandSessions } from './commandSessions.js';
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
    const names = args.names ?? handleValues.map((h) => u32(h));
    const authHandleNames = spec.handles.flatMap((h, i) => (h.auth ? [names[i]!] : []));
    const sessions = new CommandSessions(auths, authHandleNames, spec.code);
    const { auths: authArea, params } = sessions.authorize(pw.finish(), names);
    if (useSessions) {
      const done = w.sizeU32();
      for (const a of authArea) TPMS_AUTH_COMMAND.write(w, a);
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
    let respParams = rsp.subarray(r.offset, paramEnd);
    r.offset = paramEnd;
    if (tag === TPM_ST.SESSIONS) respParams = sessions.verify(auths.map(() => TPMS_AUTH_RESPONSE.read(r)), respParams, spec.name);
    const response = spec.response.read(new Reader(respParams));
    return Object.assign(response as object, { handle }) as unknown as ResponseOf<S> & { handle: number };
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export { ClientHmacSession };
