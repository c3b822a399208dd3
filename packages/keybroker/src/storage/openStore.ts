import type { BrokerStore } from './brokerStore.js';
import { PostgresStore } from './postgresStore.js';
import { SqliteStore } from './sqliteStore.js';

/** Where the broker keeps its state: a SQLite file (default) or a PostgreSQL URL. */
export type StoreLocation = { sqlite: string } | { postgres: string };

export async function openStore(location: StoreLocation): Promise<BrokerStore> {
  return 'sqlite' in location ? new SqliteStore(location.sqlite) : PostgresStore.open(location.postgres);
}
