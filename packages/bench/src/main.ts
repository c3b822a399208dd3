#!/usr/bin/env node
/** `npm run bench [-- options]`: vtpm against swtpm, over sockets and in-process. See --help. */
import { parseArgs } from 'node:util';
import { runBenchmark, type BenchOptions } from './benchmark.js';
import type { Placement } from './cpuPlacement.js';
import { formatReport, toJson } from './report.js';
import { parseSuite } from './suites.js';

const USAGE = `usage: node packages/bench/dist/src/main.js [options]
  --seconds S         measure each round of a cell for S seconds (default 0.5; with --ops, an upper bound)
  --ops N             measure exactly N operations per round
  --rounds R          rounds per cell, interleaved across targets; the cell shows the median (default 3);
                      migration suite: encrypted/unencrypted pairs, and runs with a dirtying guest
  --warmup S          unmeasured warm-up per round, seconds (default 0.2)
  --placement P       same (default): client and servers pinned to one CPU; split: client and servers on
                      different CPUs; os: no pinning. A ping-pong rate depends on it severalfold.
  --vtpm-process      run vtpm as a child process (node packages/cli/dist/src/main.js mssim) instead of in this process
  --skip-swtpm-proto  skip the raw swtpm data-port protocol rows (core suite; the other suites use mssim framing only)
  --suite S           core, keys, attest or all (default): which tables to measure (see docs/bench.md);
                      state: state save/restore against swtpm and idle-instance memory (only that suite);
                      migration: a VM migrated between two in-process hosts over loopback, encrypted stream
                      against unencrypted, and downtime with a dirtying guest (only that suite; see docs/bench.md)
  --memory-mib M      migration suite: the VM's memory (default 1024)
  --no-openssl        migration suite: skip the openssl speed reference
  --workload NAME     only this row (repeatable), of any suite: core PCR_Extend, PCR_Read, GetRandom, Hash;
                      keys CreatePrimary_ECC_warm, CreatePrimary_ECC_cold, CreatePrimary_RSA_warm, CreatePrimary_RSA_cold,
                      Create_Load_Unseal, Sign_ECDSA, PolicyPCR_Unseal; attest verifyQuote_ECDSA, verifyQuote_RSA,
                      EventLog_replay, Quote_ECC, Quote_RSA
  --event-log FILE    the log the attest suite parses and replays (default packages/attest/test/data/eventlogs/rhel8-uefi.bin)
  --host H            bind/connect address (default 127.0.0.1)
  --port-base P       swtpm P,P+1; vtpm mssim P+2,P+3; vtpm swtpm-proto P+4,P+5 (default 2381);
                      migration suite: its two hosts on P, P+1 (default: any free ports)
  --json              print JSON instead of the table`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    ops: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.2' },
    placement: { type: 'string', default: 'same' },
    'vtpm-process': { type: 'boolean', default: false },
    'skip-swtpm-proto': { type: 'boolean', default: false },
    suite: { type: 'string', default: 'all' },
    workload: { type: 'string', multiple: true, default: [] },
    'event-log': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'port-base': { type: 'string' },
    'memory-mib': { type: 'string', default: '1024' },
    'no-openssl': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

const portBase = positive('port-base', values['port-base'] ?? '2381')!;

if (values.suite === 'migration') {
  const { runMigrationBench } = await import('./migration/migrationBench.js');
  const { formatMigrationBenchReport, migrationVerdicts } = await import('./migration/migrationReport.js');
  const given = positive('port-base', values['port-base']);
  const migrationOptions = {
    host: values.host,
    ...(given !== undefined ? { ports: [given, given + 1] as [number, number] } : {}),
    memoryMiB: positive('memory-mib', values['memory-mib'])!,
    rounds: Math.round(positive('rounds', values.rounds)!),
    openssl: !values['no-openssl'],
  };
  const report = await runMigrationBench(migrationOptions, values.json ? undefined : (line) => process.stderr.write(`  ${line}\n`));
  console.log(values.json ? JSON.stringify({ ...report, verdicts: migrationVerdicts(report) }, null, 2) : formatMigrationBenchReport(report, migrationOptions));
  process.exit(0);
}

if (values.suite === 'state') {
  const { runStateBench, formatStateReport } = await import('./state/stateBench.js');
  const stateOptions = { host: values.host, portBase, rounds: Math.max(Math.round(positive('rounds', values.rounds)!), 20), instances: 100 };
  const report = await runStateBench(stateOptions, values.json ? undefined : (line) => process.stderr.write(`  ${line}\n`));
  console.log(values.json ? JSON.stringify(report, null, 2) : formatStateReport(report, stateOptions));
  process.exit(0);
}

const ops = positive('ops', values.ops);
const placement = values.placement as Placement;
if (!['same', 'split', 'os'].includes(placement)) throw new Error(`--placement must be same, split or os, got ${placement}`);
const options: BenchOptions = {
  host: values.host,
  portBase,
  budget: { ops, seconds: positive('seconds', values.seconds) ?? (ops === undefined ? 0.5 : undefined), warmupSeconds: Number(values.warmup) },
  rounds: Math.round(positive('rounds', values.rounds)!),
  placement,
  vtpmProcess: values['vtpm-process'],
  swtpmProto: !values['skip-swtpm-proto'],
  workloads: values.workload,
  suites: parseSuite(values.suite),
  ...(values['event-log'] ? { eventLogPath: values['event-log'] } : {}),
};

const report = await runBenchmark(options, values.json ? undefined : (line) => process.stderr.write(`  ${line}\n`));
console.log(values.json ? JSON.stringify(toJson(report, options), null, 2) : formatReport(report, options));
