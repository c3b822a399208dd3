/**
 * Attested releases per second, end to end over HTTP on loopback: challenge, TPM2_Quote and
 * PCR_Read on an in-process TPM, full @vtpm/attest verification, nonce consumption, audit line,
 * ECDH-ES key wrap, unwrap. Hosts and broker share this process (and its CPU), so the numbers
 * are a floor for a broker on its own machine.
 *
 *   node packages/keybroker/dist/src/bench/releaseBench.js [seconds=5] [concurrency=4]
 *
 * SQLite always; PostgreSQL too when VTPM_BENCH_PG_URL (or VTPM_TEST_PG_URL) is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from 'node:http';
import pg from 'pg';
import { BrokerClient } from '../client/brokerClient.js';
import { enrolHost, obtainVmKey } from '../client/attestingHost.js';
import { serveBroker } from '../http/serveBroker.js';
import type { StoreLocation } from '../storage/openStore.js';
import { benchHost, benchPolicy } from './benchHost.js';
import { summarize, type LatencySummary } from './latencyStats.js';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 4);

async function benchStore(label: string, store: StoreLocation, dir: string): Promise<LatencySummary> {
  const running = await serveBroker({ store, masterKey: { file: join(dir, `${label}.key`), create: true }, rateLimit: { perSecond: 1e6, burst: 1e6 } });
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const client = new BrokerClient(running.url, { agent });
    const hosts = await Promise.all(Array.from({ length: concurrency }, (_, i) => benchHost(`host-${i}`)));
    for (const h of hosts) await enrolHost(client, h, h.ek);
    await client.addVm('vm-bench');
    await client.setPolicy('vm-bench', await benchPolicy(hosts[0]!));
    for (const h of hosts) await obtainVmKey(client, h, 'vm-bench'); // warm-up

    const samples: number[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      hosts.map(async (h) => {
        while (performance.now() < end) {
          const t = performance.now();
          await obtainVmKey(client, h, 'vm-bench');
          samples.push(performance.now() - t);
        }
      }),
    );
    agent.destroy();
    return summarize(samples, (performance.now() - start) / 1000);
  } finally {
    await running.close();
  }
}

async function freshPostgresSchema(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('DROP SCHEMA IF EXISTS kb_bench CASCADE; CREATE SCHEMA kb_bench');
  await c.end();
  const u = new URL(url);
  u.searchParams.set('options', '-c search_path=kb_bench');
  return u.toString();
}

const dir = mkdtempSync(join(tmpdir(), 'vtpm-keybroker-bench-'));
try {
  const rows: [string, LatencySummary][] = [['sqlite', await benchStore('sqlite', { sqlite: join(dir, 'bench.sqlite') }, dir)]];
  const pgUrl = process.env.VTPM_BENCH_PG_URL ?? process.env.VTPM_TEST_PG_URL;
  if (pgUrl) rows.push(['postgres', await benchStore('postgres', { postgres: await freshPostgresSchema(pgUrl) }, dir)]);
  else console.log('(PostgreSQL skipped: set VTPM_BENCH_PG_URL to include it)');
  const f = (n: number) => n.toFixed(1).padStart(8);
  console.log(`attested releases, ${concurrency} concurrent hosts, ${seconds} s each`);
  console.log('store      releases  releases/s   p50 ms   p90 ms   p99 ms   max ms');
  for (const [name, s] of rows) console.log(`${name.padEnd(10)} ${String(s.count).padStart(8)} ${f(s.perSecond)}    ${f(s.p50)} ${f(s.p90)} ${f(s.p99)} ${f(s.max)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
