import { createHash } from 'node:crypto';
import { Host, LocalVmKeySource, RunningVm, createVmRecord, exampleBootChain, type BootChain, type VmKeySource } from '@vtpm/hypervisor';
import { ManufacturerCa } from '@vtpm/attest';
import { Startup, TPM_SU } from '@vtpm/tpm';
import { DirtyingWorkload, VmHost, migrationPolicyFromReferenceHost, type MigrationPolicy } from '../../src/index.js';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** SHA-256 of what the guest reads: the test oracle for "memory intact". */
export const plaintextHash = (vm: RunningVm) => sha(vm.memory.read(0, vm.memory.sizeBytes));

let manufacturer: Promise<ManufacturerCa> | undefined;

/** The one manufacturer CA of every test host's TPM (a key broker's registrar trusts it for EK certificates). */
export const testManufacturerCa = (): Promise<ManufacturerCa> => (manufacturer ??= ManufacturerCa.create());

/** A host whose TPM was manufactured by the shared test CA, booted through `chain`. */
export async function bootedHost(name: string, chain: BootChain = exampleBootChain('1.0')): Promise<VmHost> {
  const host = await Host.create({ ca: await testManufacturerCa() });
  await host.boot(chain);
  return new VmHost(host, name);
}

/** Hosts A and B booted through the approved chain, and A's measured-boot PCRs as the VMs' migration policy. */
export async function approvedPair(): Promise<{ a: VmHost; b: VmHost; policy: MigrationPolicy }> {
  const [a, b] = [await bootedHost('A'), await bootedHost('B')];
  return { a, b, policy: await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host) };
}

/** A host booted with a kernel the policy does not know: attestation must name PCR 9. */
export const tamperedHost = (name: string) => bootedHost(name, { ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('a tampered kernel') });

export interface GuestOnHost {
  vm: RunningVm;
  /** Writes while started (resume()); its shadow is the plaintext the guest should read back. */
  workload: DirtyingWorkload;
}

/** Starts `vmId` on `host` (the guest firmware's TPM2_Startup included) with a shadowing workload. */
export async function startGuest(host: VmHost, vmId: string, pages: number, keySource: VmKeySource = new LocalVmKeySource(), workload = { pagesPerTick: 2, intervalMs: 1 }): Promise<GuestOnHost> {
  const record = await createVmRecord(host.host, { vmId, memoryPages: pages }, keySource);
  const vm = await RunningVm.start(host.host, record);
  await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  host.add(vm);
  return { vm, workload: new DirtyingWorkload(vm.memory, { ...workload, shadow: true }) };
}

/** Writes `data` at `gpa` through the guest and into its shadow. */
export function guestWrite(guest: GuestOnHost, gpa: number, data: Buffer): void {
  guest.vm.memory.write(gpa, data);
  data.copy(guest.workload.shadow!, gpa);
}
