import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOT_COMPONENT_PCR, loadHost, type BootComponent, type Sha256Pcrs } from '@vtpm/hypervisor';
import { startHostDaemonProcess, type HostDaemonProcess } from './hostDaemonProcess.js';
import { runVtpm, showCommand } from './vtpmCommand.js';

/** The approved boot chain every good host runs (`vtpm host boot`'s default example chain). */
export const APPROVED_CHAIN_VERSION = '1.0';

/** A host of the story: its directory (its own host TPM and state), where its daemon listens, what it booted. */
export interface DemoHost {
  name: string;
  dir: string;
  /** "127.0.0.1:PORT": its daemon's migration listener. */
  address: string;
  /** The boot component replaced by an unapproved one, if any. */
  tampered?: BootComponent;
  /** Measured-boot PCRs after its boot, read from its TPM state. */
  pcrs: Sha256Pcrs;
  /** How it was set up, as an operator would type it. */
  setup: string[];
  daemon?: HostDaemonProcess;
}

/**
 * An unapproved build of one boot component, written to ROOT/unapproved-COMPONENT.bin for
 * `vtpm host boot --replace COMPONENT=FILE`: the PCR of that component changes, nothing else.
 */
function writeUnapprovedComponent(root: string, component: BootComponent): string {
  const file = join(root, `unapproved-${component}.bin`);
  writeFileSync(file, `an unapproved ${component}, patched by someone`);
  return file;
}

/**
 * `vtpm host init` (host TPM manufactured, EK certificate from the shared manufacturer CA in
 * `caDir`) into ROOT/NAME, then the measured boot: `vtpm host boot` of the approved chain, for a
 * tampered host with one component replaced by an unapproved build (`--replace`).
 */
export async function prepareDemoHost(root: string, name: string, port: number, caDir: string, tampered?: BootComponent): Promise<DemoHost> {
  const dir = join(root, name);
  const init = ['host', 'init', '--host-dir', dir, '--ca', caDir];
  await runVtpm(init);
  const boot = ['host', 'boot', '--host-dir', dir, '--chain-version', APPROVED_CHAIN_VERSION, ...(tampered ? ['--replace', `${tampered}=${writeUnapprovedComponent(root, tampered)}`] : [])];
  await runVtpm(boot);
  const setup = [showCommand(init), showCommand(boot)];
  const pcrs = await (await loadHost(dir)).measuredBootPcrs();
  return { name, dir, address: `127.0.0.1:${port}`, ...(tampered ? { tampered } : {}), pcrs, setup };
}

/** `vtpm host serve` for the host: migrations on its address, peers authenticated by the PSK in `pskFile`, VM keys from the broker at `brokerUrl`. */
export async function serveDemoHost(host: DemoHost, pskFile: string, brokerUrl: string): Promise<HostDaemonProcess> {
  const args = ['host', 'serve', '--host-dir', host.dir, '--listen', host.address, '--psk-file', pskFile, '--identity', host.name, '--broker', brokerUrl, '--host-id', host.name];
  host.daemon = await startHostDaemonProcess(host.dir, args);
  return host.daemon;
}

/** `PCR 9 (hypervisorKernel)`: a PCR with the boot component measured into it. */
export function describePcr(pcr: number): string {
  const component = Object.entries(BOOT_COMPONENT_PCR).find(([, p]) => p === pcr)?.[0];
  return component ? `PCR ${pcr} (${component})` : `PCR ${pcr}`;
}
