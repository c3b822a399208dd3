import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Lock files held by this process, so two servers in one process cannot share a state directory either. */
const heldHere = new Set<string>();
const RETRY_INTERVAL_MS = 10;

/** The state directory is used by another live process (or another server in this one). */
export class StorageLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageLockError';
  }
}

/**
 * One writer per state directory, as swtpm's lock on its `.lock` file: a file naming the holder's
 * process id, created exclusively. A lock whose process has died (a crash, SIGKILL) is taken over.
 */
export class StorageLock {
  private readonly path: string;
  private heldByMe = false;

  constructor(dir: string) {
    this.path = join(dir, '.lock');
  }

  get held(): boolean {
    return this.heldByMe;
  }

  /** Takes the lock, trying `retries` more times 10 ms apart (swtpm's CMD_LOCK_STORAGE). */
  async acquire(retries = 0): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.tryAcquire();
        return;
      } catch (e) {
        if (!(e instanceof StorageLockError) || attempt >= retries) throw e;
        await new Promise((r) => setTimeout(r, RETRY_INTERVAL_MS));
      }
    }
  }

  tryAcquire(): void {
    if (this.heldByMe) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o640);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        this.heldByMe = true;
        heldHere.add(this.path);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = this.holder();
      if (holder === process.pid ? heldHere.has(this.path) : holder !== null && isAlive(holder)) {
        throw new StorageLockError(`in use by ${holder === process.pid ? 'another server in this process' : `process ${holder}`} (${this.path})`);
      }
      removeStale(this.path);
    }
    throw new StorageLockError(`cannot take the lock ${this.path}`);
  }

  release(): void {
    if (!this.heldByMe) return;
    this.heldByMe = false;
    heldHere.delete(this.path);
    if (this.holder() === process.pid) removeStale(this.path);
  }

  private holder(): number | null {
    try {
      const pid = Number(readFileSync(this.path, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
