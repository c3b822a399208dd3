import type { BrokerStore } from '../storage/brokerStore.js';
import type { AuditEntry } from '../storage/records.js';

type AuditFields = Partial<AuditEntry> & Pick<AuditEntry, 'outcome' | 'message'>;

/** Appends to the store's audit log, filling what an entry did not say with null. */
export class AuditLog {
  constructor(
    private readonly store: BrokerStore,
    private readonly now: () => number,
  ) {}

  append(e: AuditFields): Promise<number> {
    return this.store.appendAudit({
      at: e.at ?? this.now(),
      outcome: e.outcome,
      reason: e.reason ?? null,
      message: e.message,
      vmId: e.vmId ?? null,
      hostId: e.hostId ?? null,
      akName: e.akName ?? null,
      nonceId: e.nonceId ?? null,
      keyVersion: e.keyVersion ?? null,
      policyVersion: e.policyVersion ?? null,
    });
  }
}
