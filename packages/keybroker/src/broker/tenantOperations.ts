import { checkReleasePolicy, type ReleasePolicy } from '../policy/releasePolicy.js';
import type { BrokerStore } from '../storage/brokerStore.js';
import type { AuditQuery, StoredAuditEntry, VmRecord } from '../storage/records.js';
import type { AuditLog } from './auditLog.js';
import type { KeyVault } from './keyVault.js';

/** The tenant's side: register VMs, give or rotate their keys, version their release policies, read the log. */
export class TenantOperations {
  constructor(
    private readonly store: BrokerStore,
    private readonly vault: KeyVault,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  /** Registers a VM with `key` (uploaded) or a generated one; returns the key version (1). */
  async addVm(vmId: string, tenant: string, key?: Uint8Array): Promise<number> {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(vmId)) throw new Error(`VM id "${vmId}" must be 1-128 of A-Z a-z 0-9 . _ : -`);
    if (await this.store.getVm(vmId)) throw new Error(`VM ${vmId} is already registered`);
    await this.store.addVm({ vmId, tenant, createdAt: this.now() });
    await this.audit.append({ outcome: 'vm-added', vmId, message: `VM ${vmId} registered for tenant ${tenant}` });
    return this.setKey(vmId, key);
  }

  /** Uploads a new key version, or generates one (rotation); earlier versions stay stored. */
  async setKey(vmId: string, key?: Uint8Array): Promise<number> {
    await this.vm(vmId);
    const version = await this.vault.addVersion(vmId, key, this.now());
    await this.audit.append({ outcome: 'key-set', vmId, keyVersion: version, message: `key v${version} of ${vmId} ${key ? 'uploaded' : 'generated'}` });
    return version;
  }

  async setPolicy(vmId: string, policy: ReleasePolicy): Promise<number> {
    await this.vm(vmId);
    const checked = checkReleasePolicy(policy);
    const version = await this.store.addPolicyVersion(vmId, JSON.stringify(checked), this.now());
    await this.audit.append({ outcome: 'policy-set', vmId, policyVersion: version, message: `release policy v${version} of ${vmId} set (host class ${checked.hostClass})` });
    return version;
  }

  async policy(vmId: string, version?: number): Promise<{ version: number; policy: ReleasePolicy } | null> {
    const rec = version === undefined ? await this.store.currentPolicy(vmId) : await this.store.policyVersion(vmId, version);
    return rec ? { version: rec.version, policy: JSON.parse(rec.policyJson) as ReleasePolicy } : null;
  }

  listVms(): Promise<VmRecord[]> {
    return this.store.listVms();
  }

  /** The audit log: releases, refusals and administrative changes, oldest first. */
  releaseLog(query: AuditQuery = {}): Promise<StoredAuditEntry[]> {
    return this.store.listAudit(query);
  }

  private async vm(vmId: string): Promise<VmRecord> {
    return (await this.store.getVm(vmId)) ?? Promise.reject(new Error(`no VM ${vmId}: register it first`));
  }
}
