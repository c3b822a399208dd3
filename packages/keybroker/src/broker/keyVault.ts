import { randomBytes } from 'node:crypto';
import type { MasterKey } from '../crypto/masterKey.js';
import type { BrokerStore } from '../storage/brokerStore.js';

/** AES-256-XTS takes two 256-bit keys: what a VM's memory encryption needs. */
export const DEFAULT_VM_KEY_BYTES = 64;

const aadFor = (vmId: string, version: number) => `vtpm-keybroker vm-key ${vmId} v${version}`;

/** VM keys at rest: sealed under the master key on the way into the store, opened on the way out. */
export class KeyVault {
  constructor(
    private readonly store: BrokerStore,
    private readonly masterKey: MasterKey,
  ) {}

  /** Stores `key` (or a fresh random one) as the VM's next key version. */
  async addVersion(vmId: string, key: Uint8Array | undefined, at: number): Promise<number> {
    const plain = key ? Buffer.from(key) : randomBytes(DEFAULT_VM_KEY_BYTES);
    if (plain.length < 16 || plain.length % 8) throw new Error(`a VM key is 16 or more octets in multiples of 8 (it travels under AES key wrap), not ${plain.length}`);
    try {
      return await this.store.addKeyVersion(vmId, (version) => this.masterKey.seal(plain, aadFor(vmId, version)), at);
    } finally {
      plain.fill(0);
    }
  }

  /** The VM's current key in clear, for wrapping; callers zero it when done. */
  async current(vmId: string): Promise<{ version: number; key: Buffer } | null> {
    const rec = await this.store.currentKey(vmId);
    return rec ? { version: rec.version, key: this.masterKey.open(rec.sealed, aadFor(vmId, rec.version)) } : null;
  }
}
