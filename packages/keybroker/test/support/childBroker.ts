import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StoreLocation } from '../../src/index.js';
import { ADMIN_TOKEN } from './brokerUnderTest.js';

const SCRIPT = fileURLToPath(new URL('./brokerProcess.js', import.meta.url));

export interface ChildBroker {
  child: ChildProcess;
  url: string;
  /** Resolves when the child prints `line`. */
  waitFor(line: string): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts brokerProcess.js and waits until it serves. */
export async function startChildBroker(store: StoreLocation, masterKeyFile: string, pauseAfterNonceConsumedMs?: number): Promise<ChildBroker> {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify({ store, masterKeyFile, adminToken: ADMIN_TOKEN, ...(pauseAfterNonceConsumedMs ? { pauseAfterNonceConsumedMs } : {}) })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) if (out.includes(w.line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(line)) return resolve();
      waiters.push({ line, resolve });
      child.once('exit', (code, signal) => reject(new Error(`broker child exited (${code ?? signal}) before printing ${line}`)));
    });
  await waitFor('READY ');
  const url = /READY (\S+)/.exec(out)![1]!;
  return {
    child,
    url,
    waitFor,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
