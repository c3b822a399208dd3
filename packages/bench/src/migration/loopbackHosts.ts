import { ManufacturerCa } from '@vtpm/attest';
import { Host, LocalVmKeySource, RunningVm, createVmRecord, exampleBootChain } from '@vtpm/hypervisor';
import { VmHost, migrateVm, migrationPolicyFromReferenceHost, serveMigrationTarget, type MigrateOptions, type MigrationPolicy, type MigrationReport, type MigrationTarget } from '@vtpm/migration';
import { Startup, TPM_SU } from '@vtpm/tpm';

/**
 * Two hosts in this process, booted through the same measured chain, each serving migrations on
 * loopback TCP: host A and host B of a real deployment, sharing one CPU thread here. A VM
 * shuttles between them: every migration goes from whichever host runs it to the other.
 */
export class LoopbackHosts {
  private constructor(readonly hosts: [VmHost, VmHost], private readonly targets: MigrationTarget[], readonly policy: MigrationPolicy, private readonly keySource: LocalVmKeySource) {}

  /** `ports`: the two targets' ports (0: any free port). */
  static async start(address: string, ports: [number, number]): Promise<LoopbackHosts> {
    const ca = await ManufacturerCa.create();
    const boot = async (name: string) => {
      const host = await Host.create({ ca });
      await host.boot(exampleBootChain('1.0'));
      return new VmHost(host, name);
    };
    const hosts: [VmHost, VmHost] = [await boot('A'), await boot('B')];
    const policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', hosts[0].host);
    const keySource = new LocalVmKeySource();
    const targets: MigrationTarget[] = [];
    for (const [i, h] of hosts.entries()) {
      targets.push(await serveMigrationTarget(h, {
        port: ports[i]!, host: address, timeoutMs: 60_000, auth: { none: true },
        allowUnencryptedStream: true, // the baseline: only this benchmark turns encryption off
        vmKeyForUnencryptedBenchmark: (vmId) => keySource.keyOf(vmId),
      }));
    }
    return new LoopbackHosts(hosts, targets, policy, keySource);
  }

  /** Defines and starts a VM of `pages` on host A (its firmware's TPM2_Startup included); returns how long that took. */
  async startVm(vmId: string, pages: number): Promise<number> {
    const t0 = performance.now();
    const host = this.hosts[0];
    const record = await createVmRecord(host.host, { vmId, memoryPages: pages }, this.keySource);
    const vm = await RunningVm.start(host.host, record);
    await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    host.add(vm);
    return performance.now() - t0;
  }

  /** The host `vmId` runs on now. */
  holder(vmId: string): VmHost {
    const h = this.hosts.find((x) => x.vms.has(vmId));
    if (!h) throw new Error(`${vmId} runs on neither host`);
    return h;
  }

  /** Migrates `vmId` to the other host. */
  migrate(vmId: string, options: Omit<MigrateOptions, 'policy' | 'auth'>): Promise<MigrationReport> {
    const from = this.holder(vmId);
    const to = this.targets[from === this.hosts[0] ? 1 : 0]!;
    return migrateVm(from, vmId, to.address, { policy: this.policy, auth: { none: true }, timeoutMs: 60_000, ...options });
  }

  async close(): Promise<void> {
    for (const h of this.hosts) for (const vm of h.vms.values()) vm.stop();
    for (const t of this.targets) await t.close();
    this.keySource.forgetAll();
  }
}
