#!/usr/bin/env node
/** `npm run demo [-- --out DIR] [--full] [--seed HEX]`: the measured-boot / event-log attestation demo. */
import { parseArgs } from 'node:util';
import { runAttestationDemo } from './attestationDemo.js';
import { formatReport } from './report.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    full: { type: 'boolean', default: false },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node packages/demo/dist/src/main.js [--out DIR] [--full] [--seed HEX]\n  --out DIR   where to write the event log (default: a new directory under the OS temp directory)\n  --full      print whole PCR values\n  --seed HEX  fixed TPM seed (deterministic TPM)');
  process.exit(0);
}

const result = await runAttestationDemo({ outDir: values.out, seed: values.seed ? Buffer.from(values.seed, 'hex') : undefined });
console.log(formatReport(result, values.full));
process.exitCode = result.ok ? 0 : 1;
