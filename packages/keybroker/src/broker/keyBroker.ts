import type { RegistrarOptions } from '@vtpm/attest';
import type { MasterKeySource } from '../crypto/masterKeySource.js';
import type { BrokerStore } from '../storage/brokerStore.js';
import { openStore, type StoreLocation } from '../storage/openStore.js';
import { AuditLog } from './auditLog.js';
import { HostRegistry } from './hostRegistry.js';
import { KeyRelease } from './keyRelease.js';
import { KeyVault } from './keyVault.js';
import { unlockMasterKey } from './masterKeyCheck.js';
import { TenantOperations } from './tenantOperations.js';

export interface KeyBrokerOptions {
  store: StoreLocation | BrokerStore;
  masterKey: MasterKeySource;
  /** How long a challenge may be answered (default 60 s). */
  nonceLifetimeMs?: number;
  /** EK certificate trust for host enrolment. */
  registrar?: RegistrarOptions;
  /** ES256 private scalar to sign the attestation result returned with each release. */
  verifierPrivateKey?: Uint8Array;
  now?: () => number;
  /** Test hook: runs between nonce consumption and verification. */
  afterNonceConsumed?: () => Promise<void>;
}

/** The key broker without a transport: tenant operations, host registry, key release over one store. */
export class KeyBroker {
  private constructor(
    readonly store: BrokerStore,
    readonly tenant: TenantOperations,
    readonly hosts: HostRegistry,
    readonly releases: KeyRelease,
    readonly now: () => number,
  ) {}

  static async open(options: KeyBrokerOptions): Promise<KeyBroker> {
    const store = 'kind' in options.store ? options.store : await openStore(options.store);
    try {
      const now = options.now ?? Date.now;
      const masterKey = await unlockMasterKey(store, options.masterKey);
      const audit = new AuditLog(store, now);
      const vault = new KeyVault(store, masterKey);
      const release = new KeyRelease(store, vault, audit, {
        nonceLifetimeMs: options.nonceLifetimeMs ?? 60_000,
        now,
        ...(options.verifierPrivateKey ? { verifierPrivateKey: options.verifierPrivateKey } : {}),
        ...(options.afterNonceConsumed ? { afterNonceConsumed: options.afterNonceConsumed } : {}),
      });
      return new KeyBroker(store, new TenantOperations(store, vault, audit, now), new HostRegistry(store, audit, options.registrar), release, now);
    } catch (e) {
      await store.close();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
