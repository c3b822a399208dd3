import { TcpService, type SessionHandler } from './tcpService.js';

const ATTEMPTS = 50;
/**
 * Candidates for P come from below Linux's default ephemeral range (32768-60999): there, P + 1 is
 * not taken by the outgoing connections (and their TIME_WAIT remains) of a busy test run.
 */
const FIRST_CANDIDATE = 10000;
const CANDIDATES = 22000;

/**
 * Two services on adjacent ports (mssim: command port P, platform port P + 1). With port 0 a free
 * pair is searched for; when P or P + 1 is taken, another P is tried.
 */
export async function listenPortPair(host: string, port: number, first: SessionHandler, second: SessionHandler): Promise<[TcpService, TcpService]> {
  if (port !== 0) return listenBoth(host, port, first, second);
  let lastError: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    const candidate = FIRST_CANDIDATE + Math.floor(Math.random() * CANDIDATES);
    let a: TcpService;
    try {
      a = await TcpService.listen(host, candidate, first);
    } catch (e) {
      lastError = e;
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
