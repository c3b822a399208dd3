import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostDaemonClient, MIGRATION_POINTS, type MigrationPoint, type MigrationPolicyJson, type VmSummary } from '@vtpm/migration';
import { GuestModel, GuestWriter } from './support/guestWriter.js';
import { TestHost, vtpmOk, writePskFile } from './support/hostProcess.js';

const PAGES = 64;
const ROLES = ['source', 'destination'] as const;

/**
 * Where the commit protocol must leave the VM (presumed abort, the source coordinating): on the
 * source until its commit decision is durable, on the destination from then on. A destination
 * killed right after sending `prepared` may or may not have got it to the source: either outcome.
 */
function expectedOwner(role: (typeof ROLES)[number], point: MigrationPoint): 'A' | 'B' | 'either' {
  const decided = MIGRATION_POINTS.indexOf(point) >= MIGRATION_POINTS.indexOf('commit-decided');
  if (role === 'destination' && point === 'prepared') return 'either';
  return decided ? 'B' : 'A';
}

const controlSocket = (h: TestHost) => join(h.dir, 'run', 'host.sock');

async function withClient<T>(h: TestHost, use: (c: HostDaemonClient) => Promise<T>): Promise<T> {
  const client = await HostDaemonClient.connect(controlSocket(h));
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** `vtpm vm list --json` on a host: the VM's entry, if it has one. */
async function listed(h: TestHost, vmId: string): Promise<VmSummary | undefined> {
  return (JSON.parse(await vtpmOk(['vm', 'list', '--host-dir', h.dir, '--json'])) as VmSummary[]).find((v) => v.vmId === vmId);
}

/**
 * Waits until the VM runs on exactly one of the two hosts and neither holds it in doubt (the
 * daemons settle in-doubt migrations on their own); returns the host it runs on.
 */
async function settledOwner(hosts: [TestHost, TestHost], vmId: string, timeoutMs = 30_000): Promise<TestHost> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    const states = await Promise.all(hosts.map((h) => withClient(h, async (c) => ({ vm: (await c.listVms()).find((v) => v.vmId === vmId), status: await c.status() })).catch(() => null)));
    seen = JSON.stringify(states.map((s, i) => [hosts[i]!.name, s?.vm?.state ?? (s ? 'absent' : 'unreachable'), s?.status.inDoubt]));
    const running = hosts.filter((_, i) => states[i]?.vm?.state === 'running');
    const others = hosts.filter((_, i) => states[i] && !states[i]!.vm);
    const inDoubt = states.some((s) => s && (s.status.inDoubt.outgoing.length || s.status.inDoubt.incoming.length));
    if (running.length === 1 && others.length === 1 && !inDoubt) return running[0]!;
    if (Date.now() > deadline) throw new Error(`${vmId} did not settle on exactly one host within ${timeoutMs} ms: ${seen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * SIGKILL of either host daemon at every point of a migration (VTPM_TEST_KILL_AT), while the
 * guest writes through the control socket: after the killed daemon restarts and the two settle,
 * the VM runs on exactly one host, its memory is what the guest wrote (the model), and it migrates
 * again. Each case a fresh VM from A to B; the daemon to kill is restarted with the variable set.
 */
describe('SIGKILL of a host daemon at each migration point (separate processes)', function () {
  this.timeout(300_000);
  let root: string;
  let a: TestHost;
  let b: TestHost;
  let policy: MigrationPolicyJson;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-sigkill-'));
    const psk = writePskFile(root);
    [a, b] = await Promise.all([TestHost.create(root, 'A', 2800, psk), TestHost.create(root, 'B', 2801, psk)]);
    await Promise.all([a.serve(), b.serve()]);
    const file = join(root, 'policy.json');
    await vtpmOk(['host', 'policy', '--host-dir', a.dir, '--id', 'hypervisor-1.0', '--out', file]);
    policy = JSON.parse(readFileSync(file, 'utf8')) as MigrationPolicyJson;
  });
  after(async () => {
    await Promise.all([a, b].map((h) => h?.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  for (const role of ROLES) {
    for (const point of MIGRATION_POINTS) {
      it(`${role} killed at ${point}`, async () => {
        const vmId = `vm-${role}-${point}`;
        const victim = role === 'source' ? a : b;
        await victim.stop();
        await victim.serve({ VTPM_TEST_KILL_AT: `${role}:${point}` });
        const died = victim.daemon!.exit;

        await withClient(a, async (c) => {
          await c.createVm({ vmId, memoryPages: PAGES });
          await c.startVm(vmId);
        });
        const model = new GuestModel(PAGES);
        // Independent oracle: a fresh VM reads zeros, and the model starts from zeros.
        expect(await withClient(a, (c) => c.memoryHash(vmId))).to.equal(model.acceptableHashes()[0]);
        const writer = new GuestWriter(controlSocket(a), vmId, model);
        await new Promise((r) => setTimeout(r, 30)); // a few writes before the migration starts

        const migration: Promise<string> = withClient(a, (c) => c.migrate(vmId, { to: b.address, policy, timeoutMs: 3000 })).then(
          () => 'completed',
          (e: Error) => e.message,
        );
        const exit = await Promise.race([died, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
        expect(exit, `the ${role} daemon did not kill itself at ${point}: migration said ${await Promise.race([migration, 'nothing yet'])}`).to.equal('SIGKILL');
        const victimStderr = victim.daemon!.stderr();
        victim.daemon = null;
        await victim.serve();

        const owner = await settledOwner([a, b], vmId).catch((e: Error) => {
          throw new Error(`${e.message}\n${victim.name} before the kill: ${victimStderr}\nA: ${a.daemon?.stderr()}\nB: ${b.daemon?.stderr()}`);
        });
        await writer.stop();
        await migration;
        const other = owner === a ? b : a;
        const expected = expectedOwner(role, point);
        if (expected !== 'either') expect(owner.name, `where ${vmId} runs (the migration said: ${await migration})`).to.equal(expected);
        // vm list (the CLI) on both: exactly one host has the VM, running.
        expect((await listed(owner, vmId))?.state).to.equal('running');
        expect(await listed(other, vmId), `${other.name} still lists ${vmId}`).to.equal(undefined);
        const hash = await withClient(owner, (c) => c.memoryHash(vmId));
        expect(model.acceptableHashes(), `memory on ${owner.name} after ${model.acknowledged} acknowledged writes${model.uncertain ? ' and one uncertain' : ''}`).to.include(hash);

        // A second migration succeeds and carries the memory unchanged.
        const report = await withClient(owner, (c) => c.migrate(vmId, { to: other.address, policy }));
        expect(report.attestation.ok).to.equal(true);
        expect((await settledOwner([a, b], vmId, 5_000)).name).to.equal(other.name);
        expect(await withClient(other, (c) => c.memoryHash(vmId))).to.equal(hash);
        await withClient(other, (c) => c.stopVm(vmId)); // keeps later restarts quick
      });
    }
  }

  it('the model is an honest oracle: a memory differing by one write is not accepted', () => {
    const model = new GuestModel(2);
    model.apply(16, Buffer.alloc(16, 1));
    const changed = Buffer.from(model.memory);
    changed[16] = 2;
    expect(model.acceptableHashes()).not.to.include(createHash('sha256').update(changed).digest('hex'));
    model.uncertain = { gpa: 16, data: Buffer.alloc(16, 2) };
    expect(model.acceptableHashes()).to.have.length(2);
  });
});
