import { u32 } from '../protocol/mssimProtocol.js';
import { CTRL, PTM_RES } from '../protocol/swtpmControl.js';
import { SocketChannel } from './socketChannel.js';

/** A state blob as GET_STATEBLOB returned it. */
export interface FetchedStateBlob {
  result: number;
  /** PTM_STATE_FLAG.ENCRYPTED when sealed with the state key. */
  flags: number;
  blob: Buffer;
}

/**
 * Client side of swtpm's control channel for the commands that move and control TPM state, over
 * one connection as QEMU keeps it: GET_STATEBLOB / SET_STATEBLOB, INIT, STOP, STORE_VOLATILE,
 * LOCK_STORAGE, SHUTDOWN. Each call resolves with swtpm's result code (PTM_RES).
 */
export class SwtpmControlClient {
  private constructor(private readonly channel: SocketChannel) {}

  static async connect(host: string, port: number): Promise<SwtpmControlClient> {
    return new SwtpmControlClient(await SocketChannel.open(host, port));
  }

  /** The whole blob of `type` from offset 0 (swtpm sends it in one answer over a socket). */
  getStateBlob(type: number, flags: number): Promise<FetchedStateBlob> {
    return this.channel.exchange(Buffer.concat([u32(CTRL.GET_STATEBLOB), u32(flags), u32(type), u32(0)]), async (r) => {
      const header = await r.read(16);
      const length = header.readUInt32BE(12);
      const blob = length > 0 ? Buffer.from(await r.read(length)) : Buffer.alloc(0);
      return { result: header.readUInt32BE(0), flags: header.readUInt32BE(4), blob };
    });
  }

  setStateBlob(type: number, blob: Buffer, flags = 0): Promise<number> {
    return this.resultOf(Buffer.concat([u32(CTRL.SET_STATEBLOB), u32(flags), u32(type), u32(blob.length), blob]));
  }

  init(flags = 0): Promise<number> {
    return this.resultOf(Buffer.concat([u32(CTRL.INIT), u32(flags)]));
  }

  stop(): Promise<number> {
    return this.resultOf(u32(CTRL.STOP));
  }

  storeVolatile(): Promise<number> {
    return this.resultOf(u32(CTRL.STORE_VOLATILE));
  }

  lockStorage(retries: number): Promise<number> {
    return this.resultOf(Buffer.concat([u32(CTRL.LOCK_STORAGE), u32(retries)]));
  }

  /** CMD_SHUTDOWN: the server answers, then ends. */
  shutdown(): Promise<number> {
    return this.resultOf(u32(CTRL.SHUTDOWN));
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private resultOf(request: Buffer): Promise<number> {
    return this.channel.exchange(request, async (r) => (await r.read(4)).readUInt32BE(0));
  }
}

/** Throws unless `code` is PTM_RES.SUCCESS, naming the command. */
export function expectSuccess(what: string, code: number): void {
  if (code !== PTM_RES.SUCCESS) throw new Error(`${what}: control channel result 0x${code.toString(16)}`);
}
