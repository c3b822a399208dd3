import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../persistence/durableFile.js';

/** What an instance directory records about its vTPM besides the TPM state: where it listens. */
export interface InstanceRecord {
  id: string;
  host: string;
  /** swtpm data channel; the control channel is `ctrlPort` (port + 1 when chosen by vtpm). */
  port: number;
  ctrlPort: number;
  created: string;
  /** Stopped through the API: not started again when the manager starts. */
  stopped: boolean;
}

export const RECORD_FILE = 'instance.json';
/** Instance ids become directory names: letters, digits, '-', '_', '.', not starting with '.'. */
export const INSTANCE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export function readRecord(dir: string): InstanceRecord {
  return JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8')) as InstanceRecord;
}

export function writeRecord(dir: string, record: InstanceRecord): Promise<void> {
  return writeFileDurably(join(dir, RECORD_FILE), Buffer.from(`${JSON.stringify(record, null, 2)}\n`), 0o640);
}
