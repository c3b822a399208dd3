import { Tpm } from '@vtpm/tpm';
import { DEFAULT_HOST, type TcpService } from '../net/tcpService.js';
import { listenPortPair } from '../net/portPair.js';
import { CloseOnce } from '../net/closeOnce.js';
import type { ServerOptions } from '../serverOptions.js';
import { CommandResponseSizes } from './commandResponseSizes.js';
import { serveCommandPort } from './commandPortSession.js';
import { servePlatformPort } from './platformPortSession.js';
import type { MssimContext } from './mssimContext.js';
import { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';

/**
 * A TPM behind the Microsoft simulator protocol: TPM commands on `port`, platform signals on
 * `port + 1`. Any number of connections at once; commands run one at a time on the one TPM.
 *
 * A TPM created here starts powered and initialized, waiting for Startup, as ibmswtpm2 does (the
 * Microsoft simulator starts unpowered): tpm2-tss sends POWER_ON anyway, and a powered TPM
 * ignores it, so its state survives one tool run to the next; raw clients need no platform step.
 */
export class MssimServer {
  private readonly closing: CloseOnce;

  private constructor(
    readonly tpm: Tpm,
    private readonly command: TcpService,
    private readonly platform: TcpService,
    keeper: TpmStateKeeper,
  ) {
    this.closing = new CloseOnce(async () => {
      await Promise.all([this.command.close(), this.platform.close()]);
      await keeper.flush();
      keeper.store.files?.lock.release();
    });
  }

  /**
   * `keeper`: the TPM with its state directory (TpmStateKeeper.start); the permanent state is
   * stored after each command that changes it, before the response. The mssim platform powers
   * the TPM off and on, so a volatile state is neither stored nor resumed.
   */
  static async start(opts: ServerOptions & { port: number; keeper?: TpmStateKeeper }): Promise<MssimServer> {
    const keeper = opts.keeper ?? TpmStateKeeper.inMemory(opts.tpm ?? new Tpm());
    const tpm = keeper.tpm;
    // A TPM made without _TPM_Init (initialized: false) is, to the platform, not powered on yet.
    if (tpm.options.initialized === false) tpm.powered = false;
    let server: MssimServer | null = null;
    const ctx: MssimContext = { tpm, keeper, sizes: new CommandResponseSizes(), stop: () => void server?.close() };
    const [command, platform] = await listenPortPair(
      opts.host ?? DEFAULT_HOST,
      opts.port,
      (socket) => serveCommandPort(socket, ctx),
      (socket) => servePlatformPort(socket, ctx),
    );
    server = new MssimServer(tpm, command, platform, keeper);
    return server;
  }

  get host(): string {
    return this.command.host;
  }

  get port(): number {
    return this.command.port;
  }

  get platformPort(): number {
    return this.platform.port;
  }

  /** Resolves once the server has closed, by `close()` or by a client's TPM_STOP. */
  get closed(): Promise<void> {
    return this.closing.closed;
  }

  close(): Promise<void> {
    return this.closing.close();
  }
}
