import { autoConvergeSchedule } from '../source/convergence.js';
import { parseAddress } from '../wire/address.js';
import type { ControlOp, MigrateRequest } from './controlProtocol.js';
import { ControlRequestError } from './controlServer.js';

/** The operations that act on one VM: each needs `vmId` as a string. */
const VM_OPS: readonly ControlOp[] = ['startVm', 'stopVm', 'writeGuest', 'readGuest', 'memoryHash', 'dumpVm', 'startWorkload', 'stopWorkload', 'migrate'];

/** Refuses a request to a VM op without a string vmId (a number or object would only surface later as "no VM [object Object]"). */
export function checkVmIdParam(op: ControlOp, vmId: unknown): void {
  if (VM_OPS.includes(op) && typeof vmId !== 'string') throw new ControlRequestError('bad-request', `${op} needs vmId (a string), got ${JSON.stringify(vmId) ?? 'none'}`);
}

/** One flat character class: a grouped pattern like (?:x{4})* overflows the regexp stack on a line of megabytes. */
const BASE64_CHARACTERS = /^[A-Za-z0-9+/]*={0,2}$/;

/** Binary data of a request: strict base64 (Buffer.from would silently skip what is not base64 and write less than was sent). */
export function base64Param(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64_CHARACTERS.test(value)) throw new ControlRequestError('bad-request', `${what} is not base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4 characters)`);
  return Buffer.from(value, 'base64');
}

/** Longest per-message timeout a migration may ask for (setTimeout's limit; beyond it Node fires at once). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const integerIn = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Checks a migrate request's destination and tuning fields; a wrong one is refused before the migration starts (the VM stays as it is). */
export function checkMigrateRequest(r: Partial<MigrateRequest>): void {
  const bad = (message: string) => new ControlRequestError('bad-request', `migrate: ${message}`);
  if (typeof r.to !== 'string') throw bad('needs to: "host:port"');
  try {
    parseAddress(r.to);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (r.keyRelease !== undefined && r.keyRelease !== 'stream' && r.keyRelease !== 'broker') throw bad(`keyRelease ${JSON.stringify(r.keyRelease)} is neither "stream" nor "broker"`);
  if (r.timeoutMs !== undefined && !integerIn(r.timeoutMs, 1, MAX_TIMEOUT_MS)) throw bad(`timeoutMs ${JSON.stringify(r.timeoutMs)} is not an integer in 1..${MAX_TIMEOUT_MS}`);
  if (r.maxRounds !== undefined && !integerIn(r.maxRounds, 1, Number.MAX_SAFE_INTEGER)) throw bad(`maxRounds ${JSON.stringify(r.maxRounds)} is not a positive integer`);
  if (r.stopCopyThresholdPages !== undefined && !integerIn(r.stopCopyThresholdPages, 0, Number.MAX_SAFE_INTEGER)) throw bad(`stopCopyThresholdPages ${JSON.stringify(r.stopCopyThresholdPages)} is not a non-negative integer`);
  if (r.maxDowntimeMs !== undefined && !(typeof r.maxDowntimeMs === 'number' && Number.isFinite(r.maxDowntimeMs) && r.maxDowntimeMs >= 0)) throw bad(`maxDowntimeMs ${JSON.stringify(r.maxDowntimeMs)} is not a non-negative number`);
  if (r.autoConverge !== undefined && typeof r.autoConverge !== 'boolean') {
    if (typeof r.autoConverge !== 'object' || r.autoConverge === null || Array.isArray(r.autoConverge)) throw bad(`autoConverge ${JSON.stringify(r.autoConverge)} is neither a boolean nor { initialPercent, incrementPercent, maxPercent }`);
    const unknown = Object.keys(r.autoConverge).find((k) => !['initialPercent', 'incrementPercent', 'maxPercent'].includes(k));
    if (unknown !== undefined) throw bad(`autoConverge has no field ${JSON.stringify(unknown)}`);
    try {
      autoConvergeSchedule(r.autoConverge);
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
}
