import type { AddressInfo } from 'node:net';
import { KeyBroker, type KeyBrokerOptions } from '../broker/keyBroker.js';
import { createBrokerServer, type BrokerServerOptions } from './brokerServer.js';

export interface ServeBrokerOptions extends KeyBrokerOptions, BrokerServerOptions {
  /** Default 127.0.0.1: the broker holds every VM's key and listens on loopback unless told otherwise. */
  host?: string;
  /** Default 0 (any free port; read `port` from the result). */
  port?: number;
}

export interface RunningBroker {
  broker: KeyBroker;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the store, unlocks the master key and serves the broker: what `vtpm broker serve` runs. */
export async function serveBroker(options: ServeBrokerOptions): Promise<RunningBroker> {
  const broker = await KeyBroker.open(options);
  const server = createBrokerServer(broker, options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    broker,
    port,
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    },
  };
}
