import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/**
 * The file behind a durable guest memory: the ciphertext at the same offsets as in host memory,
 * nothing else. Writes go through at once with pwrite and no fsync: a killed process loses no
 * write the kernel already took (the page cache survives SIGKILL); a power loss can, as with any
 * unsynced RAM-backed file.
 */
export class PageFile {
  private fd: number | null;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /** Creates (or truncates) the file at `path`; the caller's first writes give it its content and size. */
  static create(path: string): PageFile {
    const fd = openSync(path, 'w+', 0o600);
    return new PageFile(path, fd);
  }

  /** Creates (or truncates) the file at `path` with `size` bytes of zeros (sparse): pages then arrive in any order. */
  static createSized(path: string, size: number): PageFile {
    const file = PageFile.create(path);
    ftruncateSync(file.fd!, size);
    return file;
  }

  /** Opens an existing file that already holds the memory's content (written as it arrived); refuses a file of another size. */
  static adopt(path: string, size: number): PageFile {
    const fd = openSync(path, 'r+');
    const actual = fstatSync(fd).size;
    if (actual !== size) {
      closeSync(fd);
      throw new Error(`guest memory file ${path} holds ${actual} bytes, the VM has ${size}: not the staged memory of this VM`);
    }
    return new PageFile(path, fd);
  }

  /** Opens an existing file and copies its content into `into`; refuses a file of another size (another VM's, or cut short). */
  static resume(path: string, into: Buffer): PageFile {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      throw new Error(`cannot resume guest memory from ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (start the VM without resume to begin from zeros)`);
    }
    const size = fstatSync(fd).size;
    if (size !== into.length) {
      closeSync(fd);
      throw new Error(`cannot resume guest memory from ${path}: it holds ${size} bytes, the VM has ${into.length}: not this VM's memory file, or a truncated one`);
    }
    for (let done = 0; done < into.length; ) {
      const n = readSync(fd, into, done, into.length - done, done);
      if (n === 0) throw new Error(`guest memory file ${path} ended at ${done} of ${into.length} bytes while reading it`);
      done += n;
    }
    return new PageFile(path, fd);
  }

  /** pwrite of `data` at `offset`, all of it. */
  write(offset: number, data: Uint8Array): void {
    if (this.fd === null) throw new Error(`guest memory file ${this.path} is closed`);
    for (let done = 0; done < data.length; ) done += writeSync(this.fd, data, done, data.length - done, offset + done);
  }

  /** Stops writing; the file stays for a later resume. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  /** Closes and deletes the file: the memory it held is gone for good (VM stopped or moved away). */
  remove(): void {
    this.close();
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
