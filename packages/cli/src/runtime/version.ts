import { readFileSync } from 'node:fs';

/** The version in packages/cli/package.json (this file runs as dist/src/runtime/version.js). */
export function vtpmVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
