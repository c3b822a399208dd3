import { migrationPolicyFromJson, type MigrationPolicyJson } from '@vtpm/migration';
import { CommandFailure } from './commandFailure.js';
import { readInputFile } from './files.js';

/** Reads and checks a migration policy file, `--policy FILE` or another `option` (what `vtpm host policy` writes): the daemon is handed only a well-formed policy. */
export function readPolicyFile(command: string, path: string, option = '--policy'): MigrationPolicyJson {
  const text = readInputFile(command, option, path).toString('utf8');
  const bad = (why: string) => new CommandFailure(`${command}: ${option} ${path}: ${why}; write one with vtpm host policy --host-dir DIR --id ID --out ${path}`);
  let json: MigrationPolicyJson;
  try {
    json = JSON.parse(text) as MigrationPolicyJson;
  } catch {
    throw bad('not JSON');
  }
  try {
    migrationPolicyFromJson(json);
  } catch (e) {
    throw bad((e as Error).message);
  }
  return json;
}
