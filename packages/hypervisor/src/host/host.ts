import { ManufacturerCa, manufacture } from '@vtpm/attest';
import { InProcessTransport, Shutdown, Startup, TPM_SU, Tpm, TpmClient, type EkTemplateId } from '@vtpm/tpm';
import { MEASURED_BOOT_PCRS, type BootChain } from './bootChain.js';
import { quoteHost, type HostQuote } from './hostQuote.js';
import { measureBootChain } from './measuredBoot.js';
import type { OperatorKey } from './operatorKey.js';
import { readSha256Pcrs, type Sha256Pcrs } from './pcrValues.js';
import { sealVmKey, type SealedVmKey } from './sealedVmKey.js';
import { unsealVmKey } from './unsealVmKey.js';

export interface HostCreateOptions {
  /** Fixes the TPM's seeds (tests, demos); default fresh randomness. */
  seed?: Buffer;
  /** The manufacturer CA certifying the EK, or its directory; default a new in-memory CA. */
  ca?: ManufacturerCa | string;
  /** EK templates to certify; default L-2 (ECC P-256) only, which is quick to derive. */
  ekTemplates?: EkTemplateId[];
}

/**
 * A hypervisor host: its TPM (with an EK certificate in NV), the measured boot that put its PCRs
 * where they are, and the event log describing it. VM keys are sealed to and unsealed from this
 * TPM; everything else about VMs lives in VirtualMachine.
 */
export class Host {
  private constructor(private tpmInstance: Tpm, private clientInstance: TpmClient, readonly ekCertificates: Buffer[]) {}

  eventLog?: Buffer;
  bootChain?: BootChain;

  /** A new host TPM, manufactured: started, EK created and certified, certificate in NV. */
  static async create(options: HostCreateOptions = {}): Promise<Host> {
    const tpm = new Tpm(options.seed ? { seed: options.seed } : {});
    const ca = options.ca ?? (await ManufacturerCa.create());
    const made = await manufacture(tpm, ca, { templates: options.ekTemplates ?? ['L-2'] });
    return new Host(tpm, new TpmClient(new InProcessTransport(tpm)), made.eks.map((e) => e.certificate));
  }

  /** A host TPM from saved state: permanent alone is a powered-off host (boot() starts it), with volatile it continues running. */
  static restore(state: { permanent: Buffer; volatile?: Buffer | null }, ekCertificates: Buffer[] = []): Host {
    const tpm = Tpm.restore(state);
    return new Host(tpm, new TpmClient(new InProcessTransport(tpm)), ekCertificates);
  }

  get tpm(): Tpm {
    return this.tpmInstance;
  }

  get client(): TpmClient {
    return this.clientInstance;
  }

  /**
   * Power cycle and measured boot of `chain`: the TPM restarts from its permanent state (PCRs
   * reset), Startup(CLEAR), then firmware and boot loader measure each component. Returns the event log.
   */
  async boot(chain: BootChain): Promise<Buffer> {
    this.powerCycle();
    await this.clientInstance.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    this.eventLog = await measureBootChain(this.clientInstance, chain);
    this.bootChain = chain;
    return this.eventLog;
  }

  /** The TPM's permanent state after an orderly shutdown: what a host keeps on disk (seeds are in it; protect the file as the TPM's NV). */
  async shutdown(): Promise<Buffer> {
    await this.clientInstance.run(Shutdown, { params: { shutdownType: TPM_SU.CLEAR } }).catch(() => undefined);
    return this.tpmInstance.save().permanent;
  }

  async measuredBootPcrs(): Promise<Sha256Pcrs> {
    return readSha256Pcrs(this.clientInstance, MEASURED_BOOT_PCRS);
  }

  async sealVmKey(vmId: string, vmKey: Buffer, operator?: OperatorKey): Promise<SealedVmKey> {
    return sealVmKey(this.clientInstance, vmId, vmKey, await this.measuredBootPcrs(), operator);
  }

  unsealVmKey(sealed: SealedVmKey): Promise<Buffer> {
    return unsealVmKey(this.clientInstance, sealed);
  }

  quote(nonce: Buffer): Promise<HostQuote> {
    return quoteHost(this.clientInstance, nonce);
  }

  private powerCycle(): void {
    const permanent = this.tpmInstance.save().permanent;
    this.tpmInstance = Tpm.restore({ permanent });
    this.clientInstance = new TpmClient(new InProcessTransport(this.tpmInstance));
  }
}
