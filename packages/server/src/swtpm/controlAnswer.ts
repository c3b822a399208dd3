import { u32 } from '../protocol/mssimProtocol.js';
import { PTM_RES } from '../protocol/swtpmControl.js';

/** Result of one control command: the answer, and what happens after it is sent. */
export interface ControlAnswer {
  reply: Buffer;
  /** `terminate`: the process ends (CMD_SHUTDOWN); `hangUp`: this connection ends. */
  after?: 'terminate' | 'hangUp';
}

export const result = (code: number): ControlAnswer => ({ reply: u32(code) });
/** swtpm's answer to a command that needs a running (or stopped) TPM when it is not, and to unknown ones. */
export const notRunning = result(PTM_RES.BAD_ORDINAL);
export const badInput = result(PTM_RES.BAD_PARAMETER);
