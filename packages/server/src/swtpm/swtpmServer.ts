import { Tpm } from '@vtpm/tpm';
import { DEFAULT_HOST, TcpService } from '../net/tcpService.js';
import { CloseOnce } from '../net/closeOnce.js';
import type { ServerOptions } from '../serverOptions.js';
import { PlaceholderStateBlobs, type StateBlobs } from './stateBlobs.js';
import { SwtpmDevice } from './swtpmDevice.js';
import { serveDataPort } from './dataPortSession.js';
import { serveControlPort } from './controlPortSession.js';

export interface SwtpmServerOptions extends ServerOptions {
  port: number;
  ctrlPort: number;
  /** Address of the control channel when it differs from `host` (swtpm's --ctrl bindaddr=). */
  ctrlHost?: string;
  /**
   * The TPM waits for CMD_INIT on the control channel before it runs (swtpm without
   * `--flags not-need-init`). Default false: it runs at once, as with not-need-init.
   */
  needInit?: boolean;
  /** `--locality reject-locality-4`: SET_LOCALITY 4 is refused. */
  rejectLocality4?: boolean;
  /** Where GET_STATEBLOB / SET_STATEBLOB take and put state; placeholder blobs by default. */
  stateBlobs?: StateBlobs;
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
    });
  }

  static async start(opts: SwtpmServerOptions): Promise<SwtpmServer> {
    const host = opts.host ?? DEFAULT_HOST;
    let server: SwtpmServer | null = null;
    const device = new SwtpmDevice(opts.tpm ?? new Tpm(), !opts.needInit, opts.stateBlobs ?? new PlaceholderStateBlobs(), opts.rejectLocality4 ?? false, () => void server?.close());
    const data = await TcpService.listen(host, opts.port, (socket) => serveDataPort(socket, device));
    try {
      const ctrl = await TcpService.listen(opts.ctrlHost ?? host, opts.ctrlPort, (socket) => serveControlPort(socket, device));
      server = new SwtpmServer(device, data, ctrl);
      return server;
    } catch (e) {
      await data.close();
      throw e;
    }
  }

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

  close(): Promise<void> {
    return this.closing.close();
  }
}
