#!/usr/bin/env node
/**
 * `npm run demo [-- --story migration|attestation ...]`: the attested live migration story (default)
 * or the measured-boot / event-log attestation demo.
 */
import { parseArgs } from 'node:util';
import { runAttestationDemo } from './attestationDemo.js';
import { runMigrationDemo } from './migration/migrationDemo.js';
import { formatReport } from './report.js';

const USAGE = `usage: npm run demo [-- --story migration|attestation] [options]

  --story migration    (default) host daemons A, B and a tampered C (vtpm host serve, one process
                       each); a VM with a broker-held key on A; migration to C refused, live
                       migration to B, admin dumps and host files without clear text
    --keep DIR         work in DIR and keep it: host directories, broker store, admin dumps
    --port N           first of four loopback ports: broker, daemons of A, B, C (default 2870)

  --story attestation  measured boot -> TCG event log -> replay -> compare with the TPM
    --out DIR          where to write the event log (default: a new directory under the OS temp directory)
    --full             print whole PCR values
    --seed HEX         fixed TPM seed (deterministic TPM)

Exit status 0 when every check of the story passed, 1 otherwise, 2 for bad options.`;

function parse() {
  try {
    return parseArgs({
      options: {
        story: { type: 'string', default: 'migration' },
        keep: { type: 'string' },
        port: { type: 'string' },
        out: { type: 'string' },
        full: { type: 'boolean', default: false },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const values = parse();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

if (values.story === 'attestation') {
  const result = await runAttestationDemo({ outDir: values.out, seed: values.seed ? Buffer.from(values.seed, 'hex') : undefined });
  console.log(formatReport(result, values.full));
  process.exitCode = result.ok ? 0 : 1;
} else if (values.story === 'migration') {
  const basePort = values.port === undefined ? undefined : Number(values.port);
  if (basePort !== undefined && !(Number.isInteger(basePort) && basePort > 0 && basePort <= 65532)) {
    console.error(`--port ${values.port}: give a TCP port from 1 to 65532 (the demo uses it and the next three)`);
    process.exit(2);
  }
  // Interrupted: exit, so that the 'exit' hooks kill the host daemon processes the story started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const result = await runMigrationDemo({ basePort, workDir: values.keep, keepFiles: values.keep !== undefined, print: (line) => console.log(line), progress: process.stderr });
  process.exitCode = result.ok ? 0 : 1;
} else {
  console.error(`--story ${values.story}: unknown story; use migration or attestation\n\n${USAGE}`);
  process.exit(2);
}
