import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Something that must never be visible in clear: its name for the output, its bytes for the search. */
export interface Needle {
  name: string;
  bytes: Buffer;
}

/** The names of the needles that occur in `haystack`, whole. */
export function findClearText(haystack: Buffer, needles: readonly Needle[]): string[] {
  return needles.filter((n) => n.bytes.length > 0 && haystack.indexOf(n.bytes) >= 0).map((n) => n.name);
}

/** Every regular file under `dir`, recursively (sockets and the like skipped). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

/** Each file under `dir` with the needles it holds; files holding none are left out. */
export function clearTextInFiles(dir: string, needles: readonly Needle[]): Array<{ path: string; found: string[] }> {
  return filesUnder(dir).map((path) => ({ path, found: findClearText(readFileSync(path), needles) })).filter((f) => f.found.length > 0);
}
