import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { PAGE_SIZE, deriveVmSubkey, differingPcrs, loadVmEntry, type BootComponent } from '@vtpm/hypervisor';
import { HostDaemonError, ProgressBar, formatMigrationReport, type MigrationPolicyJson, type MigrationReport, type ProgressOutput } from '@vtpm/migration';
import { dumpVmOnHost, type AdminDump } from './adminDump.js';
import { clearTextInFiles, type Needle } from './clearTextScan.js';
import { enrolDemoHost, releasePolicyFromPcrs, startDemoBroker, type DemoBroker } from './demoBroker.js';
import { describePcr, prepareDemoHost, serveDemoHost, type DemoHost } from './demoHosts.js';
import { GUEST_WRITES_BELOW, GuestMemoryModel, GuestWriter } from './guestWriter.js';
import { decryptSnapshotPage } from './snapshotFile.js';
import { StoryLog, type StoryCheck } from './storyLog.js';
import { runVtpm, showCommand } from './vtpmCommand.js';

export interface MigrationDemoOptions {
  /** First of four loopback ports: the key broker, then the daemons of A, B and C. Default 2870. */
  basePort?: number;
  /** Where the hosts' directories, the broker's store and the admin dumps go; default a new temp directory, removed at the end. */
  workDir?: string;
  /** Keep workDir after the run. */
  keepFiles?: boolean;
  /** Each narration line as it happens (default: nowhere; main prints to stdout). */
  print?: (line: string) => void;
  /** Where the progress bar goes (default: nowhere; main uses stderr). */
  progress?: ProgressOutput;
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
  hosts: Array<{ name: string; address: string; tampered?: string; pcrs: Record<string, string> }>;
  /** The attempt to move vm1 to the tampered host C, and C's own request to the broker. */
  refusal?: { phase?: string; reason?: string; message: string; failingPcrs: number[]; brokerReason?: string; brokerMessage?: string };
  /** The migration to B. */
  migration?: { keyRelease: 'stream' | 'broker'; report: MigrationReport; progressLines: number };
  /** Where the guest wrote the secret, and what the guest reads there on B. */
  secretGpa: number;
  secretReadOnB?: Buffer;
  /** The guest's acknowledged writes besides the secret. */
  guestWrites: number;
  /** The VMs each host's daemon lists at the end (any state). */
  vmsAfter: Record<string, string[]>;
  dumps: AdminDump[];
  /** The secret's page of B's dump decrypted with the tenant's key: where in the page the secret was found (-1: not found). */
  controlDecryption?: { path: string; offset: number };
  workDir: string;
}

const VM_ID = 'vm1';
const POLICY_ID = 'hypervisor-1.0';
/** Above the bytes the guest's own writes touch in a page, so they never overwrite the secret. */
const SECRET_GPA = 5 * PAGE_SIZE + 0xe00;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const short = (b: Buffer) => b.toString('hex').slice(0, 8);
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
/** Like Promise.all, but waits for every one before throwing the first failure: no process is still starting when cleanup runs. */
async function allOrFirstFailure<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * The issue's demo with every host a `vtpm host serve` process of its own, on loopback: A and B
 * boot the approved chain, C a tampered hypervisor kernel; a key broker (in this process) holds
 * vm1's key; vm1 runs on A with its guest writing; the move to C is refused by attestation, the
 * live move to B succeeds; the secret reads back on B; admin dumps and host files hold no clear
 * text. The demo drives the daemons as an operator would, over their control sockets
 * (HostDaemonClient). Every claim is a check; `ok` only if all held.
 */
export async function runMigrationDemo(options: MigrationDemoOptions = {}): Promise<MigrationDemoResult> {
  const log = new StoryLog(options.print);
  const basePort = options.basePort ?? 2870;
  const memoryPages = options.memoryPages ?? 8192;
  const workload = options.workload ?? { pagesPerTick: 16, intervalMs: 5 };
  const secret = options.secret ?? Buffer.from('TENANT SECRET: the launch code is 0000-1111');
  const tenantKey = options.tenantKey ?? randomBytes(64);
  const tamper = options.tamper ?? { C: 'hypervisorKernel' };
  const workDir = options.workDir ? (mkdirSync(options.workDir, { recursive: true }), options.workDir) : mkdtempSync(join(tmpdir(), 'vtpm-migration-demo-'));
  const result: MigrationDemoResult = { ok: false, checks: log.checks, failed: [], lines: log.lines, hosts: [], dumps: [], workDir, secretGpa: SECRET_GPA, guestWrites: 0, vmsAfter: {} };
  const needles: Needle[] = [
    { name: "the guest's secret", bytes: secret },
    { name: `${VM_ID}'s key`, bytes: tenantKey },
    { name: 'its memory subkey', bytes: deriveVmSubkey(tenantKey, VM_ID, 'memoryXts') },
  ];
  const hosts: DemoHost[] = [];
  let broker: DemoBroker | undefined;
  let writer: GuestWriter | undefined;
  /** Paths under the work directory, as WORK/...: the narration stays readable. */
  const here = (text: string) => text.split(workDir).join('WORK');
  log.emit('vtpm migration demo: attested live migration of an encrypted VM between measured hosts, each a host daemon process', `work directory (WORK below): ${workDir}`);

  try {
    // 1. Three hosts, each its own directory and host TPM; C's hypervisor kernel is not the approved one.
    log.step(`1. Hosts A, B and C: own host TPM and directory each, measured boot (${Object.entries(tamper).map(([h, what]) => `${h} with a modified ${what}`).join(', ') || 'all approved'})`);
    const ca = await ManufacturerCa.create();
    const caDir = join(workDir, 'manufacturer-ca');
    ca.save(caDir);
    const [a, b, c] = await allOrFirstFailure<[DemoHost, DemoHost, DemoHost]>([
      prepareDemoHost(workDir, 'A', basePort + 1, caDir),
      prepareDemoHost(workDir, 'B', basePort + 2, caDir, tamper.B),
      prepareDemoHost(workDir, 'C', basePort + 3, caDir, tamper.C),
    ]);
    hosts.push(a, b, c);
    log.fact(`one TPM manufacturer CA for all three (${here(caDir)}): each host TPM gets an EK certificate from it`);
    for (const h of hosts) {
      const differs = differingPcrs(a.pcrs, h.pcrs);
      log.fact(...h.setup.map((s) => `${h.name}: ${here(s)}`));
      log.fact(`${h.name}  ${[...h.pcrs].map(([pcr, v]) => `PCR${pcr} ${short(v)}${differs.includes(pcr) ? '*' : ' '}`).join(' ')}  ${h.tampered ? `${h.tampered} modified` : 'approved chain'}`);
      result.hosts.push({ name: h.name, address: h.address, ...(h.tampered ? { tampered: h.tampered } : {}), pcrs: Object.fromEntries([...h.pcrs].map(([p, v]) => [String(p), v.toString('hex')])) });
    }
    log.fact('(* differs from A; PCR values are SHA-256, first 4 octets)');

    // 2. The broker (this process), the hosts enrolled with it (vtpm broker host enrol), then one daemon process per host.
    log.step(`2. A key broker holds ${VM_ID}'s key; each host enrols with it, then runs its daemon (vtpm host serve) in a process of its own`);
    broker = await startDemoBroker(workDir, basePort, ca);
    log.fact(`key broker ${broker.url} (in the demo's process): enrolment checks EK certificates against the manufacturer CA; admin token in ${here(broker.adminTokenFile)}`);
    const enrolments = await allOrFirstFailure(hosts.map((h) => enrolDemoHost(broker!, h)));
    hosts.forEach((h, i) => log.fact(`${h.name}: ${here(enrolments[i]!.command)}`, `  AK ${enrolments[i]!.akName.slice(0, 12)}… enrolled as host ${h.name}`));
    const enrolled = (await broker.admin.releaseLog()).filter((e) => e.outcome === 'enrolled').map((e) => `${e.hostId} ${e.akName}`).sort();
    log.check('the broker enrolled each host\'s AK under its name', enrolled.join() === hosts.map((h, i) => `${h.name} ${enrolments[i]!.akName}`).sort().join(),
      `audit: ${enrolled.length} enrolments, ${hosts.map((h) => h.name).join(', ')} with the AK Names vtpm printed`);
    await broker.admin.addVm(VM_ID, { tenant: 'acme', key: tenantKey });
    await broker.admin.setPolicy(VM_ID, releasePolicyFromPcrs(POLICY_ID, a.pcrs));
    log.fact(`tenant acme uploaded ${VM_ID}'s key; release policy: PCRs ${[...a.pcrs.keys()].join(', ')} must hold the approved chain's values`);
    const pskFile = join(workDir, 'hosts.psk');
    writeFileSync(pskFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    log.fact(`the daemons authenticate each other with a pre-shared key the demo wrote to ${here(pskFile)} (32 random octets, mode 0600, the same file for every host)`);
    const policyFile = join(workDir, 'policy.json');
    const policyArgs = ['host', 'policy', '--host-dir', a.dir, '--id', POLICY_ID, '--out', policyFile];
    await allOrFirstFailure([...hosts.map((h) => serveDemoHost(h, pskFile, broker!.url)), runVtpm(policyArgs)]);
    for (const h of hosts) log.fact(`${h.name} (pid ${h.daemon!.pid}): ${here(h.daemon!.command)}`, `  ${here(h.daemon!.line.replace(/^vtpm: /, ''))}`);
    const policy = JSON.parse(readFileSync(policyFile, 'utf8')) as MigrationPolicyJson;
    log.fact(`${here(showCommand(policyArgs))}: A's migration policy ${policy.id}, a destination's quoted PCRs ${Object.keys(policy.referencePcrs).join(', ')} must equal A's own`);
    const [daemonA, daemonB, daemonC] = [a.daemon!.client, b.daemon!.client, c.daemon!.client];

    // 3. vm1 on A, its key from the broker; the guest writes a secret and keeps writing.
    log.step(`3. ${VM_ID} starts on A with its key from the broker; its guest writes a secret`);
    await daemonA.createVm({ vmId: VM_ID, memoryPages }, 'broker');
    const releasedToA = (await broker.admin.releaseLog({ vmId: VM_ID })).at(-1);
    log.check('the broker released the key to A after attesting it', releasedToA?.outcome === 'released' && releasedToA.hostId === 'A', releasedToA ? `audit: ${releasedToA.outcome} to ${releasedToA.hostId}` : 'no audit entry');
    await daemonA.startVm(VM_ID);
    const model = new GuestMemoryModel(memoryPages);
    await daemonA.writeGuest(VM_ID, SECRET_GPA, secret);
    secret.copy(model.memory, SECRET_GPA);
    const sealedOnA = [...(await loadVmEntry(a.dir, VM_ID)).record.sealedKey.pcrs.keys()];
    log.fact(`A's daemon created ${VM_ID} (key sealed with A's TPM to its PCRs ${sealedOnA.join(', ')}: A/vms/${VM_ID}.json) and started it: ${memoryPages} pages (${(memoryPages * PAGE_SIZE) / 2 ** 20} MiB) of AES-XTS encrypted memory`);
    log.fact(`the guest wrote "${secret.toString()}" at 0x${SECRET_GPA.toString(16)}`);
    const hashAtStart = await daemonA.memoryHash(VM_ID);
    log.check("A's daemon sees the guest's memory as the guest wrote it", hashAtStart === sha256(model.memory), 'memoryHash equals the SHA-256 of zeros with the secret, computed here');
    result.dumps.push(await dumpVmOnHost(daemonA, 'A', VM_ID, 'before migration', workDir, needles));
    writer = new GuestWriter(daemonA, VM_ID, model, workload);
    log.fact(`the guest keeps writing: ${workload.pagesPerTick} pages every ${workload.intervalMs} ms, 16 octets each at offsets below ${GUEST_WRITES_BELOW} (each write through A's daemon, recorded here)`);

    // 4. To C: attestation fails before anything secret moves; vm1 runs on, untouched.
    log.step(`4. Migration of ${VM_ID} to C, A to hand over the key itself once C's quote checks out: refused`);
    const toC = await settle(daemonA.migrate(VM_ID, { to: c.address, policy, keyRelease: 'stream' }));
    if (!(toC instanceof HostDaemonError) || toC.code !== 'aborted') {
      log.check('the migration to C is refused', false, toC instanceof Error ? errorText(toC) : `${VM_ID} moved to the tampered host C`);
    } else {
      const failingPcrs = toC.failingPcrs ?? [];
      result.refusal = { ...(toC.phase ? { phase: toC.phase } : {}), ...(toC.reason ? { reason: toC.reason } : {}), message: toC.message, failingPcrs };
      log.fact(`A's daemon asked C's daemon for a quote over its PCRs and checked it against policy ${policy.id}:`, `  ${toC.message}`);
      log.check('the migration to C is refused during attestation, before any page or key is sent', toC.phase === 'attestation', `aborted in ${toC.phase}`);
      const expected = differingPcrs(a.pcrs, c.pcrs);
      log.check('the refusal names the failing PCRs', failingPcrs.length > 0 && failingPcrs.join() === expected.join(), `${failingPcrs.map(describePcr).join(', ') || 'none named'} (C's TPM differs from A's in ${expected.map(describePcr).join(', ')})`);
    }
    const cAsks = await settle(daemonC.createVm({ vmId: VM_ID, memoryPages }, 'broker'));
    const toBrokerC = (await broker.admin.releaseLog({ vmId: VM_ID })).at(-1);
    if (result.refusal && toBrokerC?.outcome === 'refused') Object.assign(result.refusal, { brokerReason: toBrokerC.reason ?? undefined, brokerMessage: toBrokerC.message });
    log.check('the broker refuses C too, when C asks for the key itself', cAsks instanceof Error && toBrokerC?.outcome === 'refused' && toBrokerC.hostId === 'C' && toBrokerC.reason === 'pcr-mismatch',
      toBrokerC ? `audit: ${toBrokerC.outcome} to ${toBrokerC.hostId}: ${toBrokerC.message}` : 'no audit entry');
    const writesAtRefusal = model.writes;
    await new Promise((r) => setTimeout(r, workload.intervalMs * 4));
    await writer.stop();
    const [onA, onC] = await Promise.all([daemonA.listVms(), daemonC.listVms()]);
    log.check(`${VM_ID} keeps running on A`, onA.some((v) => v.vmId === VM_ID && v.state === 'running') && model.writes > writesAtRefusal && !writer.failure,
      `A lists ${VM_ID} ${onA.find((v) => v.vmId === VM_ID)?.state ?? 'nowhere'}; the guest wrote ${model.writes - writesAtRefusal} more times since the refusal${writer.failure ? `, then failed: ${writer.failure.message}` : ''}`);
    const hashAfterRefusal = await daemonA.memoryHash(VM_ID);
    log.check(`${VM_ID}'s memory on A is intact`, model.acceptableHashes().includes(hashAfterRefusal), `guest stopped, memoryHash equals the hash of the secret plus the guest's ${model.writes} writes, computed here`);
    log.check('C holds nothing of it', onC.length === 0, `C's daemon lists ${onC.length} VMs`);

    // 5. To B, live: pre-copy while the guest writes, stop-and-copy, key from the broker to B, commit.
    log.step(`5. Live migration of ${VM_ID} to B, broker mode: B gets the key from the broker, A never sends it`);
    writer = new GuestWriter(daemonA, VM_ID, model, workload);
    let progressLines = 0;
    const out = options.progress ?? { write: () => true };
    const bar = new ProgressBar({ isTTY: out.isTTY, columns: out.columns, write: (t: string) => ((progressLines += t.split('\n').length - 1), out.write(t)) });
    const toB = await settle(daemonA.migrate(VM_ID, { to: b.address, policy, keyRelease: 'broker' }, (p) => bar.update(p)));
    bar.finish();
    await writer.stop();
    if (toB instanceof Error) throw toB;
    result.migration = { keyRelease: 'broker', report: toB, progressLines };
    log.fact(...formatMigrationReport(toB));
    log.check('A attested B before any page moved', toB.attestation.ok, `B's quote ${toB.attestation.ok ? 'matched' : 'did not match'} policy ${toB.attestation.policyId} (the report's attestation line)`);
    const releasedToB = (await broker.admin.releaseLog({ vmId: VM_ID })).at(-1);
    log.check('the broker released the key to B itself, after attesting B', releasedToB?.outcome === 'released' && releasedToB.hostId === 'B', releasedToB ? `audit: ${releasedToB.outcome} to ${releasedToB.hostId}` : 'no audit entry');
    const memoryBytes = memoryPages * PAGE_SIZE;
    log.check('the report adds up', toB.rounds >= 1 && toB.downtimeMs > 0 && toB.downtimeMs < toB.totalMs && toB.pagesSent >= memoryPages && toB.bytesSent > memoryBytes,
      `${toB.rounds} rounds, ${toB.pagesSent} pages (memory: ${memoryPages}), ${toB.bytesSent} bytes, downtime ${toB.downtimeMs.toFixed(1)} of ${toB.totalMs.toFixed(1)} ms`);

    // 6. vm1 on B: what the guest wrote, and nowhere else.
    log.step(`6. ${VM_ID} runs on B; A no longer has it`);
    result.secretReadOnB = await daemonB.readGuest(VM_ID, SECRET_GPA, secret.length);
    log.check('the secret reads back on B', result.secretReadOnB.equals(secret), `the guest on B reads "${result.secretReadOnB.toString()}" at 0x${SECRET_GPA.toString(16)}`);
    const hashOnB = await daemonB.memoryHash(VM_ID);
    result.guestWrites = model.writes;
    log.check(`all of ${VM_ID}'s memory arrived`, model.acceptableHashes().includes(hashOnB), `memoryHash on B equals the hash of the secret plus all ${model.writes} guest writes${model.uncertain ? ` (the one in flight at the switch-over was refused, "${writer.failure?.message}": counted either way)` : ''}`);
    const lists = await Promise.all([daemonA, daemonB, daemonC].map((client) => client.listVms()));
    hosts.forEach((h, i) => (result.vmsAfter[h.name] = lists[i]!.map((v) => v.vmId)));
    const listed = lists.map((l) => l.map((v) => `${v.vmId} ${v.state}`).join(', ') || 'none');
    log.check(`vm list shows ${VM_ID} on B only`, lists[0]!.length === 0 && lists[1]!.some((v) => v.vmId === VM_ID && v.state === 'running') && lists[2]!.length === 0, `A: ${listed[0]}; B: ${listed[1]}; C: ${listed[2]}`);
    const leftOnA = readdirSync(join(a.dir, 'vms')).filter((f) => f.startsWith(`${VM_ID}.`));
    log.check(`A's directory keeps nothing of ${VM_ID}`, leftOnA.length === 0, leftOnA.length ? `still there: ${leftOnA.join(', ')}` : 'its record and memory file are gone from A/vms');
    const ioOnA = await settle(daemonA.readGuest(VM_ID, SECRET_GPA, 16));
    log.check("A's daemon refuses guest I/O for it", ioOnA instanceof HostDaemonError && ioOnA.code === 'moved', ioOnA instanceof Error ? ioOnA.message : 'A answered a read');
    const recordOnB = await settle(loadVmEntry(b.dir, VM_ID));
    if (!(recordOnB instanceof Error)) log.fact(`B sealed the key with its own TPM to its PCRs ${[...recordOnB.record.sealedKey.pcrs.keys()].join(', ')} (B/vms/${VM_ID}.json)`);

    // 7. What an administrator can copy off each host.
    log.step('7. Administrator dumps (the hypervisor admin snapshot of vm1, asked of every host daemon)');
    const [dumpB, dumpC, dumpAAfter] = [
      await dumpVmOnHost(daemonB, 'B', VM_ID, 'after migration', workDir, needles),
      await dumpVmOnHost(daemonC, 'C', VM_ID, 'after refusal', workDir, needles),
      await dumpVmOnHost(daemonA, 'A', VM_ID, 'after migration', workDir, needles),
    ];
    result.dumps.push(dumpB, dumpC, dumpAAfter);
    for (const d of result.dumps) log.fact(`${d.host} ${d.moment}: ${d.file ? `snapshot, ${d.file.bytes} bytes: ${d.file.found.length ? `CLEAR TEXT: ${d.file.found.join(', ')}` : 'no clear text'}` : `no snapshot: ${d.refused}`}`);
    const files = result.dumps.flatMap((d) => (d.file ? [d.file] : []));
    const leaks = files.filter((f) => f.found.length);
    log.check('no clear text in any dump', files.length >= 2 && leaks.length === 0, `${files.length} snapshots searched for ${needles.map((n) => n.name).join(', ')}${leaks.length ? `; found in ${leaks.map((f) => f.path).join(', ')}` : ''}`);
    log.check('hosts without the VM have nothing to dump', !dumpC.file && !dumpAAfter.file, `C: ${dumpC.refused ?? 'dumped'}; A: ${dumpAAfter.refused ?? 'dumped'}; no file written`);
    if (dumpB.file) {
      const page = Math.floor(SECRET_GPA / PAGE_SIZE);
      const offset = decryptSnapshotPage(dumpB.file.path, tenantKey, VM_ID, page).indexOf(secret);
      result.controlDecryption = { path: dumpB.file.path, offset };
      log.check("control: B's dump is vm1's memory, encrypted", offset === SECRET_GPA % PAGE_SIZE, `page ${page} of the dump, decrypted here with the tenant's key (AES-256-XTS), ${offset >= 0 ? `holds the secret at offset 0x${offset.toString(16)}` : 'does not hold the secret'}`);
    }

    // 8. The daemons stop in order (VMs checkpointed to disk); nothing in any host directory is clear text.
    log.step('8. The host daemons stop (SIGTERM: VMs checkpointed to their directories); every host file searched');
    const ends = await Promise.all(hosts.map((h) => h.daemon!.stop()));
    log.check('every daemon stopped cleanly', ends.every((e) => e === 'exit code 0'), hosts.map((h, i) => `${h.name}: ${ends[i]}`).join(', '));
    const onDisk = hosts.flatMap((h) => clearTextInFiles(h.dir, needles));
    log.check('no clear text in any host directory', onDisk.length === 0, onDisk.length ? onDisk.map((f) => `${f.path}: ${f.found.join(', ')}`).join('; ') : `TPM state, event logs, VM records and memory files of A, B and C searched for ${needles.map((n) => n.name).join(', ')}`);
  } catch (e) {
    log.check(`stopped in ${log.currentStep || 'setup'}`, false, here(errorText(e)));
  } finally {
    await writer?.stop();
    for (const h of hosts) {
      if (!h.daemon || result.vmsAfter[h.name]) continue;
      const vms = await settle(h.daemon.client.listVms());
      if (!(vms instanceof Error)) result.vmsAfter[h.name] = vms.map((v) => v.vmId);
    }
    await Promise.all(hosts.map((h) => h.daemon?.stop()));
    await broker?.close();
    if (log.failed.length) for (const h of hosts) if (h.daemon?.stderr().trim()) log.emit(`   ${h.name}'s daemon logged: ${h.daemon.stderr().trim().replace(/\n/g, ' | ')}`);
    if (!options.keepFiles) rmSync(workDir, { recursive: true, force: true });
    else log.emit('', `Files (host directories, broker store, admin dumps) kept in ${workDir}`);
  }

  result.failed = log.failed;
  result.ok = result.failed.length === 0 && log.checks.length > 0;
  log.emit('', result.ok ? `Result: OK (${log.checks.length} checks passed)` : `Result: FAILED: ${result.failed.map((f) => f.name).join('; ')}`);
  return result;
}
