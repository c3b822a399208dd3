/**
 * A broker in its own process, for crash and multi-replica tests. argv[2] is JSON:
 * { store, masterKeyFile, adminToken, pauseAfterNonceConsumedMs? }. Prints "READY <url>" when
 * serving and "NONCE-CONSUMED" each time a release has used its nonce up (then pauses, so the
 * parent can SIGKILL it in the middle of a release).
 */
import { serveBroker, type StoreLocation } from '../../src/index.js';

interface ChildConfig {
  store: StoreLocation;
  masterKeyFile: string;
  adminToken: string;
  pauseAfterNonceConsumedMs?: number;
}

const config = JSON.parse(process.argv[2]!) as ChildConfig;
const pause = config.pauseAfterNonceConsumedMs;
const running = await serveBroker({
  store: config.store,
  masterKey: { file: config.masterKeyFile, create: true },
  adminToken: config.adminToken,
  rateLimit: { perSecond: 10_000, burst: 10_000 },
  ...(pause
    ? {
        afterNonceConsumed: async () => {
          process.stdout.write('NONCE-CONSUMED\n');
          await new Promise((r) => setTimeout(r, pause));
        },
      }
    : {}),
});
process.stdout.write(`READY ${running.url}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
