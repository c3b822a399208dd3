import { TPM_HEADER_SIZE } from '../protocol/tpmFrame.js';

/**
 * The largest command and response seen since the last query (the reference simulator's
 * CommandResponseSizes, answered to TPM_GET_COMMAND_RESPONSE_SIZES).
 */
export class CommandResponseSizes {
  private largestCommandSize = 0;
  private largestCommand: Buffer = Buffer.alloc(4);
  private largestResponseSize = 0;
  private largestResponse: Buffer = Buffer.alloc(4);

  record(command: Buffer, response: Buffer): void {
    if (command.length > this.largestCommandSize) {
      this.largestCommandSize = command.length;
      this.largestCommand = codeOf(command);
    }
    if (response.length > this.largestResponseSize) {
      this.largestResponseSize = response.length;
      this.largestResponse = codeOf(response);
    }
  }

  /**
   * The reference's struct as it sends it: sizes in host byte order (little-endian on the x86 hosts
   * it runs on), the command code and response code copied as they stood in the buffers (big-endian).
   * Reading resets the record.
   */
  takeStruct(): Buffer {
    const s = Buffer.alloc(16);
    s.writeUInt32LE(this.largestCommandSize, 0);
    this.largestCommand.copy(s, 4);
    s.writeUInt32LE(this.largestResponseSize, 8);
    this.largestResponse.copy(s, 12);
    this.largestCommandSize = this.largestResponseSize = 0;
    this.largestCommand = Buffer.alloc(4);
    this.largestResponse = Buffer.alloc(4);
    return s;
  }
}

/** Bytes 6..9 of a command or response: its command code or response code. */
function codeOf(frame: Buffer): Buffer {
  const code = Buffer.alloc(4);
  if (frame.length >= TPM_HEADER_SIZE) frame.copy(code, 0, 6, 10);
  return code;
}
