import { totalmem } from 'node:os';
import { PAGE_SIZE } from '@vtpm/hypervisor';
import { MigrationRefusedError } from '../handshake/migrationRefusal.js';

/** Default staging budget of a migration listener: half of this machine's memory. */
export const defaultMaxStagedBytes = (): number => Math.floor(totalmem() / 2);

const mib = (bytes: number) => Math.floor(bytes / 2 ** 20);

/**
 * What a migration listener admits at once: the destination allocates a hello's whole memory up
 * front to stage its pages, so the memory of every migration arriving at the same time must fit
 * a budget. Checked when the hello is admitted, before anything is quoted or allocated; a claim
 * that does not fit is refused `insufficient-memory` (it may fit once others arrived).
 */
export class IncomingAdmission {
  private staged = 0;

  constructor(readonly maxStagedBytes: number = defaultMaxStagedBytes()) {}

  /** Reserves the staging memory of `pages` pages for `vmId`; returns its release (idempotent), or throws MigrationRefusedError. */
  reserve(vmId: string, pages: number): () => void {
    const bytes = pages * PAGE_SIZE;
    if (this.staged + bytes > this.maxStagedBytes) {
      throw new MigrationRefusedError('insufficient-memory', `insufficient-memory: ${vmId} needs ${mib(bytes)} MiB to arrive, and this host has ${mib(this.maxStagedBytes - this.staged)} MiB of its ${mib(this.maxStagedBytes)} MiB staging budget (maxStagedBytes) free; retry once the migrations arriving now are done`);
    }
    this.staged += bytes;
    let released = false;
    return () => {
      if (!released) this.staged -= bytes;
      released = true;
    };
  }

  /** Bytes reserved by migrations in flight. */
  get reservedBytes(): number {
    return this.staged;
  }
}
