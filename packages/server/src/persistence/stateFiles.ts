import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_FILE_NAMES, type BlobType } from './blobType.js';
import { removeFileDurably, writeFileDurably } from './durableFile.js';
import { StorageLock } from './storageLock.js';

/** The state files of one TPM in a directory (swtpm's names), written crash-safely, and its lock. */
export class StateFiles {
  readonly lock: StorageLock;

  constructor(
    readonly dir: string,
    /** File mode of new state files (`--tpmstate mode=`, swtpm's default 0640). */
    readonly mode = 0o640,
  ) {
    this.lock = new StorageLock(dir);
  }

  path(type: BlobType): string {
    return join(this.dir, STATE_FILE_NAMES[type]);
  }

  /** The file's bytes, or null when it does not exist. */
  read(type: BlobType): Buffer | null {
    try {
      return readFileSync(this.path(type));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  exists(type: BlobType): boolean {
    return existsSync(this.path(type));
  }

  write(type: BlobType, data: Buffer): Promise<void> {
    return writeFileDurably(this.path(type), data, this.mode);
  }

  remove(type: BlobType): Promise<void> {
    return removeFileDurably(this.path(type));
  }

  /** Temporary files of writes a crash interrupted (the state files themselves are whole); call with the lock held. */
  removeLeftovers(): number {
    const leftovers = readdirSync(this.dir).filter((name) => /^\.tpm2-00\.[a-z]+\.\d+\.tmp$/.test(name));
    for (const name of leftovers) unlinkSync(join(this.dir, name));
    return leftovers.length;
  }
}
