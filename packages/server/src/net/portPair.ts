import { TcpService, type SessionHandler } from './tcpService.js';

const ATTEMPTS = 20;

/**
 * Two services on adjacent ports (mssim: command port P, platform port P + 1). With port 0 the
 * operating system picks P; when P + 1 is taken, it tries another P.
 */
export async function listenPortPair(host: string, port: number, first: SessionHandler, second: SessionHandler): Promise<[TcpService, TcpService]> {
  if (port !== 0) return listenBoth(host, port, first, second);
  let lastError: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    const a = await TcpService.listen(host, 0, first);
    if (a.port >= 0xffff) {
      await a.close();
      continue;
    }
    try {
      return [a, await TcpService.listen(host, a.port + 1, second)];
    } catch (e) {
      lastError = e;
      await a.close();
    }
  }
  throw new Error(`no two adjacent free ports on ${host} after ${ATTEMPTS} attempts: ${String(lastError)}`);
}

async function listenBoth(host: string, port: number, first: SessionHandler, second: SessionHandler): Promise<[TcpService, TcpService]> {
  const a = await TcpService.listen(host, port, first);
  try {
    return [a, await TcpService.listen(host, port + 1, second)];
  } catch (e) {
    await a.close();
    throw e;
  }
}
