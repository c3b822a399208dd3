import type { MasterKey } from '../crypto/masterKey.js';
import { masterKeyFromFile, masterKeyFromPassphrase, newPassphraseSalt, type MasterKeySource } from '../crypto/masterKeySource.js';
import type { BrokerStore } from '../storage/brokerStore.js';

/**
 * Opens the master key for a store. The passphrase salt and a check value live in the store, so
 * every replica derives the same key and a wrong key or passphrase stops the broker at startup
 * instead of failing every release.
 */
export async function unlockMasterKey(store: BrokerStore, source: MasterKeySource): Promise<MasterKey> {
  const key = 'passphrase' in source ? masterKeyFromPassphrase(source.passphrase, await store.initMeta('master-key.salt', newPassphraseSalt())) : masterKeyFromFile(source.file, source.create ?? false);
  const check = await store.initMeta('master-key.check', key.checkValue());
  if (!key.matches(check)) throw new Error('the master key (or passphrase) is not the one this store was created with');
  return key;
}
