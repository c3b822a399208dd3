import { parseKeyValueList } from './keyValueList.js';
import { parseTcti, type TctiTarget } from './tctiValue.js';
import { UsageError } from './usageError.js';

/**
 * `--rollback-anchor file=PATH` (a counter file outside the state directory) or
 * `--rollback-anchor nv=INDEX[,password=PW]` with `--rollback-tcti mssim:host=A,port=N|swtpm:...`
 * (an NV counter index in another TPM, defined under the owner hierarchy when missing).
 */
export type RollbackAnchorSpec = { file: string } | { nvIndex: number; password: string; tcti: TctiTarget };

export function parseRollbackAnchor(command: string, anchor: string, tcti: string | null): RollbackAnchorSpec {
  const { values } = parseKeyValueList('--rollback-anchor', anchor, ['file', 'nv', 'password']);
  if (values.has('file') === values.has('nv')) throw new UsageError(`${command}: --rollback-anchor: give file=PATH or nv=INDEX`);
  if (values.has('file')) {
    if (tcti !== null) throw new UsageError(`${command}: --rollback-tcti applies to --rollback-anchor nv=INDEX`);
    return { file: values.get('file')! };
  }
  const text = values.get('nv')!;
  const nvIndex = /^(0x)?[0-9a-fA-F]{1,8}$/.test(text) ? parseInt(text.replace(/^0x/, ''), 16) : NaN;
  if (!(nvIndex >= 0x01000000 && nvIndex <= 0x01ffffff)) throw new UsageError(`${command}: --rollback-anchor nv=${text}: an NV index is 0x01000000-0x01ffffff`);
  if (tcti === null) throw new UsageError(`${command}: --rollback-anchor nv= needs --rollback-tcti (the TPM holding the counter)`);
  return { nvIndex, password: values.get('password') ?? '', tcti: parseTcti('--rollback-tcti', tcti) };
}
