import { closeSync, readFileSync, unlinkSync, writeSync, writeFileSync } from 'node:fs';

/**
 * Writes this process's id (`--pid file=PATH` or `fd=N`, as swtpm). Returns the clean-up to run at
 * exit: the file is removed if it still names this process.
 */
export function writePidFile(target: { path: string } | { fd: number }): () => void {
  const text = `${process.pid}\n`;
  if ('fd' in target) {
    writeSync(target.fd, text);
    closeSync(target.fd);
    return () => undefined;
  }
  writeFileSync(target.path, text);
  return () => {
    try {
      if (readFileSync(target.path, 'utf8').trim() === String(process.pid)) unlinkSync(target.path);
    } catch {
      // already gone
    }
  };
}
