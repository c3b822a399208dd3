import { join } from 'node:path';
import { BOOT_COMPONENT_PCR, exampleBootChain, hostBoot, loadHost, type BootChain, type BootComponent, type Sha256Pcrs } from '@vtpm/hypervisor';
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

/** The approved chain with one component swapped for other bytes: the PCR of that component changes, nothing else. */
export function tamperedBootChain(component: BootComponent): BootChain {
  return { ...exampleBootChain(APPROVED_CHAIN_VERSION), [component]: Buffer.from(`an unapproved ${component}, patched by someone`) };
}

/**
 * `vtpm host init` (host TPM manufactured, EK certificate from the shared manufacturer CA in
 * `caDir`) into ROOT/NAME, then the measured boot: `vtpm host boot` of the approved chain, or,
 * for a tampered host, the same boot (hostBoot, what `vtpm host boot` runs) of the approved
 * chain with one component replaced — the CLI's example chain has no switch for that: its
 * --chain-version changes every component at once.
 */
export async function prepareDemoHost(root: string, name: string, port: number, caDir: string, tampered?: BootComponent): Promise<DemoHost> {
  const dir = join(root, name);
  const init = ['host', 'init', '--host-dir', dir, '--ca', caDir];
  await runVtpm(init);
  const setup = [showCommand(init)];
  if (tampered) {
    await hostBoot(dir, tamperedBootChain(tampered));
    setup.push(`measured boot of chain ${APPROVED_CHAIN_VERSION} with its ${tampered} replaced (hostBoot, the library call behind vtpm host boot)`);
  } else {
    const boot = ['host', 'boot', '--host-dir', dir, '--chain-version', APPROVED_CHAIN_VERSION];
    await runVtpm(boot);
    setup.push(showCommand(boot));
  }
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
