import { constants as bufferConstants } from 'node:buffer';
import { PAGE_SIZE, vmMemoryFileName } from '@vtpm/hypervisor';
import type { Hello } from './handshakeMessages.js';

/**
 * Largest VM a host stages or creates (pages of 4 KiB): 2^22 pages (16 GiB), and never more than
 * one Buffer can hold (4 GiB on Node 20): a bigger claim is a bug or an attack on the host's memory,
 * refused before anything is allocated.
 */
export const MAX_MIGRATION_PAGES = Math.min(1 << 22, Math.floor(bufferConstants.MAX_LENGTH / PAGE_SIZE));
export const MAX_VCPUS = 256;

/** What is wrong with a VM id as a host directory names files after it (letters, digits, '.', '_', '-'), or undefined. */
export function vmIdProblem(vmId: unknown): string | undefined {
  if (typeof vmId !== 'string') return `VM id ${String(vmId)} is not a string`;
  try {
    vmMemoryFileName(vmId); // the host directory's own naming rule: no path characters
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** What is wrong with a VM config a host would have to hold (id, size, memory mode, vCPUs), or undefined. */
export function vmConfigProblem(c: Partial<Hello['config']>): string | undefined {
  const idProblem = vmIdProblem(c.vmId);
  if (idProblem) return idProblem;
  if (!Number.isInteger(c.memoryPages) || c.memoryPages! <= 0 || c.memoryPages! > MAX_MIGRATION_PAGES) return `memoryPages ${String(c.memoryPages)} is not an integer in 1..${MAX_MIGRATION_PAGES}`;
  if (c.mode !== 'xts' && c.mode !== 'gcm') return `memory mode ${String(c.mode)} is neither xts nor gcm`;
  if (!Number.isInteger(c.vcpus) || c.vcpus! <= 0 || c.vcpus! > MAX_VCPUS) return `vcpus ${String(c.vcpus)} is not an integer in 1..${MAX_VCPUS}`;
  return undefined;
}

/**
 * Why a host cannot take a VM of this memory mode, or undefined: a durable host (memory files,
 * a daemon) keeps only xts VMs, since a gcm VM's per-page versions on disk would let the host roll
 * pages back. Checked on the hello, before attestation and before any page moves.
 */
export function memoryModeRefusal(config: Hello['config'], durable: boolean): string | undefined {
  if (config.mode === 'gcm' && durable) return `unsupported-memory-mode: ${config.vmId} uses gcm memory, and this host keeps VMs durable (memory files), which takes xts: its per-page versions must not reach the disk; migrate it to an in-memory host`;
  return undefined;
}

/** What is wrong with a decoded hello (fields, sizes), or undefined when it is well-formed. */
export function helloProblem(hello: Hello): string | undefined {
  const c = hello.config as Partial<Hello['config']> | undefined;
  if (typeof c !== 'object' || c === null) return 'the hello carries no VM config';
  if (c.vmId !== hello.vmId) return `the hello's config names VM ${String(c.vmId)}, not ${hello.vmId}`;
  const configProblem = vmConfigProblem(c);
  if (configProblem) return configProblem;
  if (!/^[0-9]{1,20}$/.test(hello.epoch)) return `epoch ${hello.epoch} is not a decimal counter value`;
  if (hello.keyRelease !== 'stream' && hello.keyRelease !== 'broker') return `keyRelease ${String(hello.keyRelease)} is neither stream nor broker`;
  if (typeof hello.streamEncryption !== 'boolean') return 'the hello does not say whether the stream is encrypted';
  return undefined;
}
