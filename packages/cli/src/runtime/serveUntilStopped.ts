import type { Logger } from './logger.js';

/** A running server as the command line sees it. */
export interface RunningServer {
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps the process for the server's lifetime: SIGINT or SIGTERM close it, and so may a client
 * (swtpm CMD_SHUTDOWN, mssim TPM_STOP); either way the clean-ups run and the process exits 0.
 */
export async function serveUntilStopped(server: RunningServer, logger: Logger, cleanups: (() => void)[]): Promise<never> {
  const stop = (signal: string) => {
    logger.log(1, `vtpm: ${signal}: stopping`);
    void server.close();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await server.closed;
  for (const cleanup of cleanups) cleanup();
  logger.log(1, 'vtpm: stopped');
  process.exit(0);
}
