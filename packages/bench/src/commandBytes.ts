/**
 * Just enough of the TPM command and response layout (Part 1, 18) to reuse marshalled commands:
 * patch a handle, swap the parameters, read a response handle or the leading TPM2Bs of the
 * response parameters. The benchmark uses these instead of the typed client where nothing but a
 * handle or an opaque blob changes between iterations, so no client cost enters those rows.
 *
 *   command:  tag u16 | size u32 | code u32 | handles u32* | [authSize u32 | auths] | parameters
 *   response: tag u16 | size u32 | rc u32   | handles u32* | [parameterSize u32] | parameters | [auths]
 */

const HEADER = 10;
const TPM_ST_SESSIONS = 0x8002;
const TPM_CC_FLUSH_CONTEXT = 0x165;
const TPM_ST_NO_SESSIONS = 0x8001;

/** A copy of `command` with its handle number `index` (0-based) set to `handle`. */
export function withHandle(command: Buffer, index: number, handle: number): Buffer {
  const out = Buffer.from(command);
  out.writeUInt32BE(handle >>> 0, HEADER + 4 * index);
  return out;
}

/** `command` (with `handleCount` handles) with its parameter area replaced by `parameters`. */
export function withParameters(command: Buffer, handleCount: number, parameters: Buffer): Buffer {
  let end = HEADER + 4 * handleCount;
  if (command.readUInt16BE(0) === TPM_ST_SESSIONS) end += 4 + command.readUInt32BE(end);
  const out = Buffer.concat([command.subarray(0, end), parameters]);
  out.writeUInt32BE(out.length, 2);
  return out;
}

/** TPM2_FlushContext(handle): no sessions, the handle is its one parameter. */
export function flushContextCommand(handle: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + 4);
  out.writeUInt16BE(TPM_ST_NO_SESSIONS, 0);
  out.writeUInt32BE(HEADER + 4, 2);
  out.writeUInt32BE(TPM_CC_FLUSH_CONTEXT, 6);
  out.writeUInt32BE(handle >>> 0, HEADER);
  return out;
}

/** The first response handle (CreatePrimary, Load, StartAuthSession answer one). */
export function responseHandle(response: Buffer): number {
  return response.readUInt32BE(HEADER);
}

/** The response parameters of a response with `handleCount` handles (without the trailing auths). */
export function responseParameters(response: Buffer, handleCount: number): Buffer {
  const start = HEADER + 4 * handleCount;
  if (response.readUInt16BE(0) !== TPM_ST_SESSIONS) return response.subarray(start);
  return response.subarray(start + 4, start + 4 + response.readUInt32BE(start));
}

/** The first `count` TPM2B fields of `parameters`, each with its size prefix (ready to resend). */
export function leadingSized(parameters: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = at + 2 + parameters.readUInt16BE(at);
    out.push(parameters.subarray(at, end));
    at = end;
  }
  return out;
}
