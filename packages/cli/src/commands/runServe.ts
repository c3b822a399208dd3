import { AdminServer, InstanceManager, StorageLock, StorageLockError } from '@vtpm/server';
import { parseServeOptions } from '../args/serveOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { Logger } from '../runtime/logger.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { prepareWritableDirectory } from '../runtime/stateDir.js';
import { loadStateKey } from '../runtime/stateKeyFile.js';
import { SERVE_HELP } from './instanceHelpText.js';

const COMMAND = 'vtpm serve';

/**
 * `vtpm serve --instances DIR`: every vTPM under DIR in this process, each on its own swtpm port
 * pair, managed through DIR/admin.sock (`vtpm instance ...`). SIGINT / SIGTERM stop all of them
 * (their volatile states stored); the next `vtpm serve` starts them again.
 */
export async function runServe(argv: readonly string[]): Promise<void> {
  const opts = parseServeOptions(argv);
  if (opts.help) return void process.stdout.write(SERVE_HELP);
  prepareWritableDirectory(`--instances ${opts.instances}`, opts.instances);
  const lock = new StorageLock(opts.instances);
  try {
    lock.tryAcquire();
  } catch (e) {
    if (e instanceof StorageLockError) throw new CommandFailure(`${COMMAND}: --instances ${opts.instances}: ${e.message}`);
    throw e;
  }
  const logger = new Logger(null);
  const manager = await InstanceManager.open(opts.instances, {
    host: opts.host,
    stateKey: opts.key ? loadStateKey(COMMAND, opts.key) : null,
    migrationKey: opts.migrationKey ? loadStateKey(COMMAND, opts.migrationKey) : null,
    idleMs: opts.idleSeconds * 1000,
    log: (message) => logger.error(`vtpm: ${message}`),
  });
  const admin = await AdminServer.listen(manager);
  let stopped!: () => void;
  const server = {
    closed: new Promise<void>((resolve) => (stopped = resolve)),
    close: async () => {
      await admin.close();
      await manager.close();
      lock.release();
      stopped();
    },
  };
  const serving = serveUntilStopped(server, logger, []);
  const running = manager.list().filter((i) => i.status !== 'stopped').length;
  process.stdout.write(`vtpm: serving ${running} of ${manager.list().length} instances from ${opts.instances} (admin socket ${admin.path})\n`);
  await serving;
}
