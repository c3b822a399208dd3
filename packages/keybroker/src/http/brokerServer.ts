import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { RefusalError } from '@vtpm/attest';
import type { KeyBroker } from '../broker/keyBroker.js';
import { RateLimiter } from '../broker/rateLimiter.js';
import { ReleaseRefusal } from '../protocol/releaseRefusal.js';
import { bodyTypeOf, decodeBody, encodeBody, replyTypeOf, JSON_TYPE, type BodyType } from './bodyCodec.js';
import { matchRoute } from './brokerRoutes.js';
import { BadRequest, RequestFields } from './requestFields.js';

/** Event logs of real machines run to hundreds of KiB; more than this is not evidence. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface BrokerServerOptions {
  /** Attestation attempts (challenges + releases) per host: refill rate and burst. Default 20/s, burst 40. */
  rateLimit?: { perSecond: number; burst: number };
  /** Bearer token for tenant and registrar routes; without one those routes are open to anyone who can reach the socket. */
  adminToken?: string;
  /** PEM key and certificate (from the operator CA) to serve HTTPS instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpFailure(413, { reason: 'bad-request', message: `bad-request: body over ${MAX_BODY_BYTES} octets` });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Turns what a handler threw into a status and a body that says why. */
function failureOf(e: unknown): HttpFailure {
  if (e instanceof HttpFailure) return e;
  if (e instanceof ReleaseRefusal) {
    const status = e.reason === 'rate-limited' ? 429 : e.reason === 'bad-request' ? 400 : e.reason === 'unknown-vm' ? 404 : 403;
    return new HttpFailure(status, { reason: e.reason, message: e.message, verifierReason: e.verifierReason });
  }
  if (e instanceof RefusalError) return new HttpFailure(403, { reason: e.reason, message: e.message, verifierReason: e.reason });
  if (e instanceof BadRequest || e instanceof SyntaxError) return new HttpFailure(400, { reason: 'bad-request', message: `bad-request: ${e.message}` });
  // Tenant operations name what was wrong with plain Errors (unknown VM, bad policy, duplicate id).
  if (e instanceof Error && !('code' in e)) return new HttpFailure(400, { reason: 'bad-request', message: `bad-request: ${e.message}` });
  return new HttpFailure(500, { reason: 'internal', message: 'internal: the broker failed; see its log' });
}

/** The broker's HTTP(S) front: routes, JSON/CBOR bodies, admin token, per-host rate limiting. */
export function createBrokerServer(broker: KeyBroker, options: BrokerServerOptions = {}): Server {
  const limiter = new RateLimiter(options.rateLimit?.perSecond ?? 20, options.rateLimit?.burst ?? 40, broker.now);
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestType: BodyType = bodyTypeOf(req.headers['content-type']) ?? JSON_TYPE;
    const replyType = replyTypeOf(req.headers.accept, requestType);
    let status = 200;
    let body: unknown;
    try {
      if (bodyTypeOf(req.headers['content-type']) === null) throw new HttpFailure(415, { reason: 'bad-request', message: 'bad-request: send application/json or application/cbor' });
      const url = new URL(req.url ?? '/', 'http://broker');
      const match = matchRoute(req.method ?? 'GET', url.pathname) ?? (() => { throw new HttpFailure(404, { reason: 'bad-request', message: `bad-request: no route ${req.method} ${url.pathname}` }); })();
      if (match.route.admin && !authorized(req, options.adminToken)) throw new HttpFailure(401, { reason: 'unauthorized', message: 'unauthorized: tenant and registrar routes need the admin bearer token' });
      const fields = new RequestFields(decodeBody(await readBody(req), requestType));
      body = await match.route.handle({ broker, limiter, body: fields, params: match.params, query: url.searchParams });
    } catch (e) {
      const f = failureOf(e);
      if (f.status === 500) console.error('keybroker:', e);
      status = f.status;
      body = f.body;
    }
    const out = encodeBody(body, replyType);
    res.writeHead(status, { 'content-type': replyType, 'content-length': out.length, 'cache-control': 'no-store' });
    res.end(out);
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => void handler(req, res);
  return options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
}
