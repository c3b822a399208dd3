import { readFile } from 'node:fs/promises';
import { writeFileDurably } from './durableFile.js';
import type { RollbackAnchor } from './rollbackAnchor.js';

/**
 * A rollback anchor in a file outside the state directory (another file system, a host path the
 * guest's storage does not reach): the generation as decimal text, replaced durably.
 */
export class FileRollbackAnchor implements RollbackAnchor {
  constructor(readonly path: string) {}

  async read(): Promise<bigint> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
      throw e;
    }
    if (!/^\d+\n?$/.test(text)) throw new Error(`rollback anchor ${this.path}: not a generation number`);
    return BigInt(text.trim());
  }

  async advance(to: bigint): Promise<void> {
    if (to > (await this.read())) await writeFileDurably(this.path, Buffer.from(`${to}\n`), 0o600);
  }
}
