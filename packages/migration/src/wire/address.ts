/** "host:port" (IPv4 or name) to connect() options. */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`not a host:port address: ${address}`);
  return { host: address.slice(0, colon), port };
}
