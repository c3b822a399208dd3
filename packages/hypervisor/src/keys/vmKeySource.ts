import { randomBytes } from 'node:crypto';

/** What a host shows about itself when asking for a VM key: its quote, event log, EK certificate. */
export interface HostEvidence {
  /** CBOR evidence (@vtpm/attest encodeEvidence) bound to the key source's challenge. */
  evidence?: Buffer;
  /** The host's name, for the key source's records. */
  hostId?: string;
}

/**
 * Where a VM's 32-byte key comes from: outside the host. The key broker implements this by
 * releasing the key only to a host whose fresh attestation passes its policy; `LocalVmKeySource`
 * is the embedded default for demos and tests. The caller owns the returned buffer and scrubs it.
 */
export interface VmKeySource {
  fetchKey(vmId: string, hostEvidence?: HostEvidence): Promise<Buffer>;
}

/**
 * Generates a VM's key on first request and hands out copies afterwards: stands in for a tenant
 * or broker. It keeps keys in its own memory only, never on disk; `forget` scrubs one.
 */
export class LocalVmKeySource implements VmKeySource {
  private readonly keys = new Map<string, Buffer>();

  async fetchKey(vmId: string): Promise<Buffer> {
    let key = this.keys.get(vmId);
    if (!key) this.keys.set(vmId, (key = randomBytes(32)));
    return Buffer.from(key);
  }

  /** A copy of the key this source handed out for `vmId` (the tenant's own copy: tests look for it in dumps and on the wire). */
  keyOf(vmId: string): Buffer {
    const key = this.keys.get(vmId);
    if (!key) throw new Error(`LocalVmKeySource holds no key for ${vmId}`);
    return Buffer.from(key);
  }

  forget(vmId: string): void {
    this.keys.get(vmId)?.fill(0);
    this.keys.delete(vmId);
  }

  forgetAll(): void {
    for (const vmId of [...this.keys.keys()]) this.forget(vmId);
  }
}
