import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManufacturerCa } from '@vtpm/attest';
import { BrokerRefused } from '@vtpm/keybroker';
import { PAGE_SIZE, type BootComponent, RunningVm, createVmRecord, deriveVmSubkey, differingPcrs } from '@vtpm/hypervisor';
import { DirtyingWorkload, MigrationAbortedError, formatMigrationReport, migrateVm, migrationPolicyFromReferenceHost, serveMigrationTarget, type MigrationReport, type MigrationTarget } from '@vtpm/migration';
import { Startup, TPM_SU } from '@vtpm/tpm';
import { dumpHost, type AdminDump } from './adminDump.js';
import { findClearText, type Needle } from './clearTextScan.js';
import { startDemoBroker, enrolDemoHost, releasePolicyFromPcrs, type DemoBroker } from './demoBroker.js';
import { bootDemoHost, describePcr, type DemoHost } from './demoHosts.js';
import { progressDisplay, type ProgressSink } from './progressDisplay.js';
import { StoryLog, type StoryCheck } from './storyLog.js';

export interface MigrationDemoOptions {
  /** First of three loopback ports: the key broker, B's and C's migration listeners. Default 2870. */
  basePort?: number;
  /** Where the broker's store and the admin dumps go; default a new temp directory, removed at the end. */
  workDir?: string;
  /** Keep workDir (the dumps) after the run. */
  keepFiles?: boolean;
  /** Each narration line as it happens (default: nowhere; main prints to stdout). */
  print?: (line: string) => void;
  /** Where the progress bar goes (default: nowhere; main uses stderr). */
  progress?: ProgressSink;
  /** Guest RAM in 4 KiB pages (default 8192: 32 MiB). */
  memoryPages?: number;
  /** The guest's writes while it runs: pages per tick and tick interval (default 16 every 5 ms). */
  workload?: { pagesPerTick: number; intervalMs: number };
  /** What the guest writes and the demo looks for; default a recognisable string. */
  secret?: Buffer;
  /** The tenant's key for vm1 (uploaded to the broker); default 64 random octets. */
  tenantKey?: Buffer;
  /** Which boot component each host has replaced: default C's hypervisorKernel only (tests tamper B to see the demo fail). */
  tamper?: { B?: BootComponent; C?: BootComponent };
}

export interface MigrationDemoResult {
  ok: boolean;
  checks: StoryCheck[];
  failed: StoryCheck[];
  lines: string[];
  hosts: Array<{ name: string; tampered?: string; pcrs: Record<string, string> }>;
  /** The attempt to move vm1 to the tampered host C. */
  refusal?: { phase: string; reason?: string; message: string; failingPcrs: number[]; brokerReason?: string; brokerMessage?: string };
  /** The migration to B. */
  migration?: { keyRelease: 'stream' | 'broker'; report: MigrationReport; progressLines: number };
  /** Where the guest wrote the secret, and what the guest reads there on B. */
  secretGpa: number;
  secretReadOnB?: Buffer;
  /** The VMs on each host at the end. */
  vmsAfter: Record<string, string[]>;
  dumps: AdminDump[];
  workDir: string;
}

const VM_ID = 'vm1';
/** The hosts' daemons authenticate each other with nothing: the demo runs in one process on loopback. Real hosts use a PSK or operator certificates. */
const DEMO_AUTH = { none: true } as const;
/** The workload writes 16 octets at offsets below 3200 of a page; the secret sits above, so the guest's own writes never overwrite it. */
const SECRET_GPA = 5 * PAGE_SIZE + 0xe00;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const short = (b: Buffer) => b.toString('hex').slice(0, 8);
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * The issue's demo, in one process on loopback: hosts A and B boot the approved chain, C a
 * tampered kernel; a key broker holds vm1's key; vm1 runs on A with a guest writing; the move to C
 * is refused by attestation, the move to B succeeds live; the secret reads back on B; admin dumps
 * of every host hold no clear text. Every claim is a check; `ok` only if all held.
 */
export async function runMigrationDemo(options: MigrationDemoOptions = {}): Promise<MigrationDemoResult> {
  const log = new StoryLog(options.print);
  const basePort = options.basePort ?? 2870;
  const memoryPages = options.memoryPages ?? 8192;
  const workloadRate = options.workload ?? { pagesPerTick: 16, intervalMs: 5 };
  const secret = options.secret ?? Buffer.from('TENANT SECRET: the launch code is 0000-1111');
  const tenantKey = options.tenantKey ?? randomBytes(64);
  const tamper = options.tamper ?? { C: 'hypervisorKernel' };
  const workDir = options.workDir ? (mkdirSync(options.workDir, { recursive: true }), options.workDir) : mkdtempSync(join(tmpdir(), 'vtpm-migration-demo-'));
  const result: MigrationDemoResult = { ok: false, checks: log.checks, failed: [], lines: log.lines, hosts: [], dumps: [], workDir, secretGpa: SECRET_GPA, vmsAfter: {} };
  const needles: Needle[] = [
    { name: "the guest's secret", bytes: secret },
    { name: `${VM_ID}'s key`, bytes: tenantKey },
    { name: 'its memory subkey', bytes: deriveVmSubkey(tenantKey, VM_ID, 'memoryXts') },
  ];
  const cleanup: Array<() => unknown> = [];
  const hosts: DemoHost[] = [];
  log.emit('vtpm migration demo: attested live migration of an encrypted VM between measured hosts');

  try {
    // 1. Three measured hosts; C's hypervisor kernel is not the approved one.
    log.step(`1. Measured boot of hosts A, B and C (${Object.entries(tamper).map(([h, what]) => `${h} runs a tampered ${what}`).join(', ') || 'all approved'})`);
    const ca = await ManufacturerCa.create();
    const [a, b, c] = [await bootDemoHost('A', ca), await bootDemoHost('B', ca, tamper.B), await bootDemoHost('C', ca, tamper.C)];
    hosts.push(a, b, c);
    for (const h of [a, b, c]) {
      const differs = differingPcrs(a.pcrs, h.pcrs);
      const values = [...h.pcrs].map(([pcr, v]) => `PCR${pcr} ${short(v)}${differs.includes(pcr) ? '*' : ' '}`).join(' ');
      log.fact(`${h.name}  ${values}  ${h.tampered ? `${h.tampered} replaced` : 'approved chain'}`);
      result.hosts.push({ name: h.name, tampered: h.tampered, pcrs: Object.fromEntries([...h.pcrs].map(([p, v]) => [String(p), v.toString('hex')])) });
    }
    log.fact('(* differs from A; PCR values are SHA-256, first 4 octets)');

    // 2. The broker holds vm1's key; A attests to it, seals the key to its PCRs, starts vm1.
    log.step(`2. A key broker holds ${VM_ID}'s key; ${VM_ID} starts on A`);
    const broker: DemoBroker = await startDemoBroker(workDir, basePort, ca);
    cleanup.push(() => broker.close());
    for (const h of [a, b, c]) log.fact(`broker ${broker.url} enrolled ${h.name} (EK certificate checked, AK ${(await enrolDemoHost(broker, h)).slice(0, 12)}…)`);
    await broker.admin.addVm(VM_ID, { tenant: 'acme', key: tenantKey });
    await broker.admin.setPolicy(VM_ID, releasePolicyFromPcrs('hypervisor-1.0', a.pcrs));
    log.fact(`tenant acme uploaded ${VM_ID}'s key; release policy: PCRs ${[...a.pcrs.keys()].join(', ')} must hold the approved chain's values`);
    const record = await createVmRecord(a.vmHost.host, { vmId: VM_ID, memoryPages }, broker.keySourceFor(a));
    log.fact(`A quoted its PCRs to the broker, received the key, sealed it with its TPM to PCRs ${[...record.sealedKey.pcrs.keys()].join(', ')}`);
    const vm = await RunningVm.start(a.vmHost.host, record);
    await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } }); // the guest firmware's job
    a.vmHost.add(vm);
    const guest = new DirtyingWorkload(vm.memory, { ...workloadRate, shadow: true });
    cleanup.push(() => guest.pause());
    vm.memory.write(SECRET_GPA, secret);
    secret.copy(guest.shadow!, SECRET_GPA);
    guest.resume();
    log.fact(`${VM_ID}: ${memoryPages} pages (${(memoryPages * PAGE_SIZE) / 2 ** 20} MiB) of AES-XTS encrypted memory, running on A`);
    log.fact(`the guest wrote "${secret.toString()}" at 0x${SECRET_GPA.toString(16)} and keeps writing ${workloadRate.pagesPerTick} pages every ${workloadRate.intervalMs} ms`);
    const beforeMigration = await dumpHost(a, 'before migration', workDir, needles);
    result.dumps.push(beforeMigration);
    log.check('the dump search finds clear text where there is some', findClearText(vm.memory.read(0, vm.memory.sizeBytes), needles).includes(needles[0]!.name), "control: searching the guest's own view of its memory finds the secret");

    // 3. To C: attestation fails, nothing secret moves, vm1 runs on.
    log.step(`3. Migration of ${VM_ID} to C, A to hand over the key itself once C's quote checks out: refused`);
    const policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.vmHost.host);
    log.fact(`A's migration policy ${policy.id}: the destination's quoted PCRs ${[...policy.referencePcrs.keys()].join(', ')} must equal A's own`, 'host daemons authenticate each other with nothing here (one process on loopback); real hosts use a PSK or operator certificates');
    const targetC: MigrationTarget = await serveMigrationTarget(c.vmHost, { port: basePort + 2, timeoutMs: 5000, auth: DEMO_AUTH });
    cleanup.push(() => targetC.close());
    const refused = await migrateVm(a.vmHost, VM_ID, targetC.address, { policy, guest, timeoutMs: 5000, auth: DEMO_AUTH, keyRelease: 'stream' }).then(() => undefined, (e: unknown) => e);
    if (!(refused instanceof MigrationAbortedError)) {
      log.check('the migration to C is refused', false, refused === undefined ? `${VM_ID} moved to the tampered host C` : errorText(refused));
    } else {
      const failingPcrs = refused.attestation?.failingPcrs ?? [];
      result.refusal = { phase: refused.phase, reason: refused.attestation?.reason, message: refused.attestation?.message ?? refused.message, failingPcrs };
      log.fact(`A asked C for a quote over its PCRs and checked it against policy ${policy.id}:`, `  ${result.refusal.message}`);
      log.check('the migration to C is refused during attestation, before any page or key is sent', refused.phase === 'attestation', `aborted in ${refused.phase}`);
      const expected = differingPcrs(a.pcrs, c.pcrs);
      log.check('the refusal names the failing PCRs', failingPcrs.length > 0 && failingPcrs.join() === expected.join(), `${failingPcrs.map(describePcr).join(', ') || 'none named'} (C differs from A in ${expected.map(describePcr).join(', ')})`);
    }
    const fromBroker = await broker.keySourceFor(c).fetchKey(VM_ID).then((k) => (k.fill(0), undefined), (e: unknown) => e);
    if (result.refusal && fromBroker instanceof BrokerRefused) Object.assign(result.refusal, { brokerReason: fromBroker.reason, brokerMessage: fromBroker.message });
    log.check('the broker refuses C too, when C asks for the key itself', fromBroker instanceof BrokerRefused && fromBroker.reason === 'pcr-mismatch', fromBroker instanceof Error ? fromBroker.message : 'C received the key');
    const writesAtRefusal = guest.writes;
    await sleep(workloadRate.intervalMs * 4);
    log.check(`${VM_ID} keeps running on A`, a.vmHost.vms.get(VM_ID) === vm && guest.writes > writesAtRefusal, `still on A, the guest wrote ${guest.writes - writesAtRefusal} more times since`);
    log.check(`${VM_ID}'s memory on A is intact`, sha256(vm.memory.read(0, vm.memory.sizeBytes)) === sha256(guest.shadow!), "its hash equals the hash of what the guest wrote (the workload's shadow copy)");
    log.check('C holds nothing of it', c.vmHost.vms.size === 0, `${c.vmHost.vms.size} VMs on C`);

    // 4. To B, live: pre-copy while the guest writes, then stop-and-copy, key handover, commit.
    const keyRelease = 'broker' as const;
    log.step(`4. Live migration of ${VM_ID} to B, broker mode: B gets the key from the broker, A never sends it`);
    const targetB = await serveMigrationTarget(b.vmHost, { port: basePort + 1, timeoutMs: 5000, auth: DEMO_AUTH, brokerKeySource: broker.keySourceFor(b) });
    cleanup.push(() => targetB.close());
    const display = progressDisplay(options.progress ?? { write: () => true });
    const report = await migrateVm(a.vmHost, VM_ID, targetB.address, { policy, guest, timeoutMs: 5000, auth: DEMO_AUTH, keyRelease, onProgress: (p) => display.update(p) }).finally(() => display.finish());
    result.migration = { keyRelease, report, progressLines: display.finish() };
    log.fact(...formatMigrationReport(report));
    log.check('A attested B before any page moved', report.attestation.ok, `B's quote ${report.attestation.ok ? 'matched' : 'did not match'} policy ${report.attestation.policyId} (the report's attestation line)`);
    const release = (await broker.admin.releaseLog({ vmId: VM_ID })).at(-1);
    log.check('the broker released the key to B itself, after attesting B', release?.outcome === 'released' && release.hostId === b.name, release ? `last audit entry: ${release.outcome} to ${release.hostId}` : 'no audit entry');
    const memoryBytes = memoryPages * PAGE_SIZE;
    log.check('the report adds up', report.rounds >= 1 && report.downtimeMs > 0 && report.downtimeMs < report.totalMs && report.pagesSent >= memoryPages && report.bytesSent > memoryBytes,
      `${report.rounds} rounds, ${report.pagesSent} pages (memory: ${memoryPages}), ${report.bytesSent} bytes, downtime ${report.downtimeMs.toFixed(1)} of ${report.totalMs.toFixed(1)} ms`);

    // 5. vm1 on B: the guest's view is what it wrote; A has nothing left.
    log.step(`5. ${VM_ID} runs on B; A no longer has it`);
    const moved = b.vmHost.vms.get(VM_ID);
    result.secretReadOnB = moved?.memory.read(SECRET_GPA, secret.length);
    log.check('the secret reads back on B', !!result.secretReadOnB?.equals(secret), moved ? `the guest on B reads "${result.secretReadOnB!.toString()}" at 0x${SECRET_GPA.toString(16)}` : `no ${VM_ID} on B`);
    log.check(`all of ${VM_ID}'s memory arrived`, !!moved && sha256(moved.memory.read(0, moved.memory.sizeBytes)) === sha256(guest.shadow!), 'the hash of its memory on B equals the hash of everything the guest wrote');
    if (moved) log.fact(`B sealed the key with its own TPM to its PCRs ${[...moved.record.sealedKey.pcrs.keys()].join(', ')}`);
    log.check(`A no longer has ${VM_ID}`, !a.vmHost.vms.has(VM_ID), `${a.vmHost.vms.size} VMs on A`);
    log.check("A's copy is scrubbed", vm.memory.hostView().ciphertext.every((x) => x === 0), "A's memory pages for it are all zero");

    // 6. What an administrator can copy off each host.
    log.step('6. Administrator dumps (hypervisor admin snapshot of every VM on every host)');
    result.dumps.push(await dumpHost(b, 'after migration', workDir, needles), await dumpHost(c, 'after refusal', workDir, needles), await dumpHost(a, 'after migration', workDir, needles));
    for (const dump of result.dumps) {
      if (!dump.files.length) log.fact(`${dump.host} ${dump.moment}: no VM on this host, nothing to dump`);
      for (const f of dump.files) log.fact(`${dump.host} ${dump.moment}: ${f.vmId} snapshot, ${f.bytes} bytes: ${f.found.length ? `CLEAR TEXT: ${f.found.join(', ')}` : 'no clear text'}`);
    }
    const leaks = result.dumps.flatMap((d) => d.files.filter((f) => f.found.length));
    const scanned = result.dumps.reduce((n, d) => n + d.files.length, 0);
    log.check('no clear text in any dump', scanned >= 2 && leaks.length === 0, `${scanned} snapshots searched for ${needles.map((n) => n.name).join(', ')}${leaks.length ? `; found in ${leaks.map((f) => f.path).join(', ')}` : ''}`);
  } catch (e) {
    log.check(`stopped in ${log.currentStep || 'setup'}`, false, errorText(e));
  } finally {
    for (const undo of cleanup.reverse()) await undo();
    for (const h of hosts) {
      result.vmsAfter[h.name] = [...h.vmHost.vms.keys()];
      for (const vm of h.vmHost.vms.values()) vm.stop(); // scrubs the demo's VMs before the process goes on
    }
    if (!options.keepFiles) rmSync(workDir, { recursive: true, force: true });
    else log.emit('', `Files (broker store, admin dumps) kept in ${workDir}`);
  }

  result.failed = log.failed;
  result.ok = result.failed.length === 0 && log.checks.length > 0;
  log.emit('', result.ok ? `Result: OK (${log.checks.length} checks passed)` : `Result: FAILED: ${result.failed.map((f) => f.name).join('; ')}`);
  return result;
}
