import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { parseAddress } from '../../src/wire/address.js';

/** A TCP relay that records every byte in both directions of every connection through it. */
export interface CapturingRelay {
  address: string;
  /** Per connection, in order: what the client (source) sent and what the server (destination) sent. */
  connections: { clientToServer: Buffer[]; serverToClient: Buffer[] }[];
  /** Everything captured, both directions, concatenated per direction. */
  all(): Buffer;
  clientBytes(connection?: number): Buffer;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` and forwards each connection to `target` ("host:port"). */
export async function startCapturingRelay(port: number, target: string): Promise<CapturingRelay> {
  const connections: CapturingRelay['connections'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const record = { clientToServer: [] as Buffer[], serverToClient: [] as Buffer[] };
    connections.push(record);
    const upstream = connect(parseAddress(target));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.on('data', (b: Buffer) => { record.clientToServer.push(Buffer.from(b)); upstream.write(b); });
    upstream.on('data', (b: Buffer) => { record.serverToClient.push(Buffer.from(b)); client.write(b); });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  const { port: bound } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${bound}`,
    connections,
    all: () => Buffer.concat(connections.flatMap((c) => [...c.clientToServer, ...c.serverToClient])),
    clientBytes: (connection = connections.length - 1) => Buffer.concat(connections[connection]?.clientToServer ?? []),
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
