import { TPM_CC } from '../constants/cc.js';
import { TPM_RS_PW, TPM_HT, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TPMA_SESSION_RESERVED } from '../constants/attributes.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { TpmError, asTpmError, fail } from '../errors.js';
import { LIMITS } from '../structures/basic.js';
import { TPMS_AUTH_COMMAND, TPMS_AUTH_RESPONSE, type AuthCommand, type AuthResponse } from '../structures/auth.js';
import { COMMANDS } from '../commands/index.js';
import type { Implementation } from './handler.js';
import type { Tpm } from '../tpm.js';
import { authorizeCommand, respondToSessions } from './authorization.js';
import { beginCommandAudit } from '../audit/auditHook.js';
import { trackPermanentChanges } from '../state/permanentChanges.js';

const registry = new Map<number, Implementation>(COMMANDS.map((c) => [c.spec.code, c]));

/** Command codes this TPM implements, ascending (GetCapability(COMMANDS), TPM_PT_TOTAL_COMMANDS). */
export const IMPLEMENTED_COMMANDS: readonly Implementation[] = [...registry.values()].sort((a, b) => a.spec.code - b.spec.code);

export function errorResponse(rc: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt16BE(TPM_ST.NO_SESSIONS, 0);
  b.writeUInt32BE(10, 2);
  b.writeUInt32BE(rc >>> 0, 6);
  return b;
}

/**
 * The command pipeline (Part 3, 5; the reference implementation's ExecuteCommand):
 * header -> descriptor -> handles -> authorization area -> authorization -> parameters ->
 * handler -> response parameters -> response authorization. Any failure is a response code.
 */
export function execute(tpm: Tpm, command: Buffer, locality: number): Buffer {
  return trackPermanentChanges(tpm, command, () => {
    try {
      return run(tpm, command, locality);
    } catch (e) {
      const err = asTpmError(e);
      return errorResponse(err.rc);
    }
  });
}

function run(tpm: Tpm, command: Buffer, locality: number): Buffer {
  const r = new Reader(command);
  // --- header
  const tag = r.u16();
  if (tag !== TPM_ST.SESSIONS && tag !== TPM_ST.NO_SESSIONS) fail(TPM_RC.BAD_TAG);
  const size = r.u32();
  if (size !== command.length || size > LIMITS.MAX_COMMAND_SIZE) fail(TPM_RC.COMMAND_SIZE);
  const code = r.u32();
  const impl = registry.get(code) ?? fail(TPM_RC.COMMAND_CODE);
  if (!tpm.started && code !== TPM_CC.Startup) fail(TPM_RC.INITIALIZE);
  const { spec } = impl;

  // --- handles
  const handles: Record<string, number> = {};
  const handleValues: number[] = [];
  spec.handles.forEach((h, i) => {
    try {
      const v = h.type.read(r);
      tpm.checkHandleExists(v);
      handles[h.name] = v;
      handleValues.push(v);
    } catch (e) {
      const err = asTpmError(e);
      throw err.rc === TPM_RC.REFERENCE_H0 ? new TpmError(TPM_RC.REFERENCE_H0 + i) : err.forHandle(i + 1);
    }
  });
  // --- authorization area
  let auths: AuthCommand[] = [];
  if (tag === TPM_ST.SESSIONS) auths = readAuthArea(r);

  // --- authorization (sessions, roles, policies; AUTH_MISSING), then decryption of the first parameter
  const authorization = authorizeCommand(tpm, { auths, spec, handles: handleValues, rawParams: command.subarray(r.offset), locality });
  const pr = new Reader(authorization.parameters);

  // --- parameters, each numbered for errors
  const params: Record<string, unknown> = {};
  const fields = Object.entries(spec.params.fields);
  for (let i = 0; i < fields.length; i++) {
    const [name, field] = fields[i]!;
    try {
      params[name] = 'kind' in (field as object) ? (field as any).union.read(pr, params[(field as any).selector]) : (field as any).read(pr);
    } catch (e) {
      throw asTpmError(e).forParameter(i + 1);
    }
  }
  if (pr.remaining !== 0) fail(TPM_RC.SIZE, `${pr.remaining} bytes after the last parameter`);

  // --- the command itself (an audited command's cpHash is taken before it can change the Names)
  const audit = beginCommandAudit(tpm, authorization.command);
  const result = impl.handler(tpm, { handles, params: params as any, locality, spec });

  // --- response
  const w = new Writer(128);
  w.u16(tag).u32(0).u32(TPM_RC.SUCCESS);
  if (spec.responseHandle) w.u32(result[spec.responseHandle] as number);
  const paramSize = tag === TPM_ST.SESSIONS ? w.sizeU32() : null;
  const respStart = w.offset;
  spec.response.write(w, result);
  const respParams = w.view(respStart);
  paramSize?.();
  // nonces, response parameter encryption (in place), audit, response HMACs, session flushes
  const responses: AuthResponse[] = respondToSessions(tpm, authorization, respParams);
  audit?.(respParams);
  if (tag === TPM_ST.SESSIONS) for (const resp of responses) TPMS_AUTH_RESPONSE.write(w, resp);
  w.patchU32(2, w.offset);
  return w.finish();
}

/** The authorization area: authorizationSize, then up to three TPMS_AUTH_COMMAND. */
function readAuthArea(r: Reader): AuthCommand[] {
  const authSize = r.u32();
  if (authSize < 9 || authSize > r.remaining) fail(TPM_RC.SIZE, 'authorizationSize');
  const area = r.sub(authSize);
  const auths: AuthCommand[] = [];
  while (area.remaining > 0) {
    const n = auths.length + 1;
    // A fourth session: TPM_RC_SIZE numbered as session 4, as libtpms answers.
    if (n > LIMITS.MAX_SESSIONS_PER_COMMAND) throw new TpmError(TPM_RC.SIZE, 'more than three sessions').forSession(n);
    try {
      const auth = TPMS_AUTH_COMMAND.read(area);
      if (!isAuthSessionHandle(auth.sessionHandle)) fail(TPM_RC.VALUE, 'not a session handle');
      if (auth.sessionAttributes & TPMA_SESSION_RESERVED) fail(TPM_RC.RESERVED_BITS);
      auths.push(auth);
    } catch (e) {
      throw asTpmError(e).forSession(n);
    }
  }
  return auths;
}

/** TPMI_SH_AUTH_SESSION with the password session allowed. */
function isAuthSessionHandle(h: number): boolean {
  const t = handleTypeOf(h);
  return h === TPM_RS_PW || t === TPM_HT.HMAC_SESSION || t === TPM_HT.POLICY_SESSION;
}
