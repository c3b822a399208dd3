import type { Socket } from 'node:net';
import { Tpm } from '@vtpm/tpm';
import { DEFAULT_HOST, TcpService } from '../net/tcpService.js';
import { listenPortPair } from '../net/portPair.js';
import { CloseOnce } from '../net/closeOnce.js';
import type { ServerOptions } from '../serverOptions.js';
import { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';
import type { StateKey } from '../persistence/stateKey.js';
import { SwtpmDevice } from './swtpmDevice.js';
import { serveDataPort } from './dataPortSession.js';
import { serveControlPort } from './controlPortSession.js';

export interface SwtpmServerOptions extends ServerOptions {
  /** Data channel port; 0 picks a free one. */
  port: number;
  /** Control channel port; with `port` also 0, the pair is adjacent (control = data + 1, as the swtpm TCTI expects). */
  ctrlPort: number;
  /** Address of the control channel when it differs from `host` (swtpm's --ctrl bindaddr=). */
  ctrlHost?: string;
  /**
   * The TPM waits for CMD_INIT on the control channel before it runs (swtpm without
   * `--flags not-need-init`). Default: false, it runs at once as with not-need-init, unless the
   * TPM was made with `initialized: false`.
   */
  needInit?: boolean;
  /** `--locality reject-locality-4`: SET_LOCALITY 4 is refused. */
  rejectLocality4?: boolean;
  /**
   * The TPM with its stored state (TpmStateKeeper.start with a state directory). Without one the
   * TPM's state lives in this process: GET_STATEBLOB / SET_STATEBLOB still move it.
   */
  keeper?: TpmStateKeeper;
  /** `--migration-key`: blobs leave sealed with it, and only blobs sealed with it are taken. */
  migrationKey?: StateKey | null;
  /** Where state failures the control channel can only answer with a code are explained. */
  log?: (message: string) => void;
}

/**
 * A TPM behind swtpm's socket interface: a data channel on `port` (raw TPM commands, or mssim
 * TPM_SEND_COMMAND framing) and the control channel on `ctrlPort`, answered as swtpm 0.7.1
 * answers. Unlike swtpm, which serves one data connection at a time, any number of clients may
 * connect at once; their commands run one at a time on the one TPM.
 */
export class SwtpmServer {
  private readonly closing: CloseOnce;

  private constructor(
    readonly device: SwtpmDevice,
    private readonly data: TcpService,
    private readonly ctrl: TcpService,
  ) {
    this.closing = new CloseOnce(async () => {
      await Promise.all([this.data.close(), this.ctrl.close()]);
      // A clean stop keeps the volatile state (with a state directory), for the next start to resume.
      if (this.device.running) await this.device.keeper.storeVolatile().catch((e: Error) => this.device.log(`the volatile state was not stored: ${e.message}`));
      await this.device.keeper.flush();
      this.device.keeper.store.files?.lock.release();
    });
  }

  static async start(opts: SwtpmServerOptions): Promise<SwtpmServer> {
    const host = opts.host ?? DEFAULT_HOST;
    let server: SwtpmServer | null = null;
    const keeper = opts.keeper ?? TpmStateKeeper.inMemory(opts.tpm ?? new Tpm());
    // A TPM made without _TPM_Init (initialized: false) waits for CMD_INIT unless told otherwise.
    const needInit = opts.needInit ?? keeper.tpm.options.initialized === false;
    const device = new SwtpmDevice({
      keeper,
      keys: { stateKey: keeper.store.stateKey, migrationKey: opts.migrationKey ?? null },
      running: !needInit,
      rejectLocality4: opts.rejectLocality4 ?? false,
      terminate: () => void server?.close(),
      log: opts.log ?? ((message) => process.stderr.write(`vtpm: ${message}\n`)),
    });
    const [data, ctrl] = await listenChannels(host, opts, device);
    server = new SwtpmServer(device, data, ctrl);
    return server;
  }

  /** The TPM being served (CMD_INIT after SET_STATEBLOB replaces it). */
  get tpm(): Tpm {
    return this.device.tpm;
  }

  get host(): string {
    return this.data.host;
  }

  get port(): number {
    return this.data.port;
  }

  get ctrlHost(): string {
    return this.ctrl.host;
  }

  get ctrlPort(): number {
    return this.ctrl.port;
  }

  /** Resolves once the server has closed, by `close()` or by CMD_SHUTDOWN on the control channel. */
  get closed(): Promise<void> {
    return this.closing.closed;
  }

  /** Stops listening and ends every connection; with a state directory the volatile state of a running TPM is stored first. */
  close(): Promise<void> {
    return this.closing.close();
  }
}

/** The data and control listeners; both ports 0: adjacent free ports, as tpm2-tss' swtpm TCTI finds the control port at data + 1. */
async function listenChannels(host: string, opts: SwtpmServerOptions, device: SwtpmDevice): Promise<[TcpService, TcpService]> {
  const serveData = (socket: Socket) => serveDataPort(socket, device);
  const serveCtrl = (socket: Socket) => serveControlPort(socket, device);
  const ctrlHost = opts.ctrlHost ?? host;
  if (opts.port === 0 && opts.ctrlPort === 0 && ctrlHost === host) return listenPortPair(host, 0, serveData, serveCtrl);
  const data = await TcpService.listen(host, opts.port, serveData);
  try {
    return [data, await TcpService.listen(ctrlHost, opts.ctrlPort, serveCtrl)];
  } catch (e) {
    await data.close();
    throw e;
  }
}
