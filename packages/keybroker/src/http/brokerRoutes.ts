import type { KeyBroker } from '../broker/keyBroker.js';
import type { RateLimiter } from '../broker/rateLimiter.js';
import { refuseRelease } from '../protocol/releaseRefusal.js';
import type { ReleasePolicy } from '../policy/releasePolicy.js';
import { RequestFields } from './requestFields.js';

export interface RouteContext {
  broker: KeyBroker;
  limiter: RateLimiter;
  body: RequestFields;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** Path with :name segments. */
  path: string;
  /** Tenant and registrar routes need the admin token (when one is configured); host routes authenticate by attestation. */
  admin: boolean;
  handle(ctx: RouteContext): Promise<unknown>;
}

/** A host's attempt counts against its rate limit; refusals for it are audited like any other. */
async function limited(ctx: RouteContext, hostId: string, vmId: string): Promise<void> {
  if (ctx.limiter.take(hostId)) return;
  await ctx.broker.releases.auditRateLimited(hostId, vmId);
  refuseRelease('rate-limited', `host ${hostId} made too many attestation attempts; retry later`);
}

export const BROKER_ROUTES: Route[] = [
  {
    method: 'POST', path: '/v1/challenges', admin: false,
    async handle(ctx) {
      const vmId = ctx.body.string('vmId');
      const hostId = ctx.body.string('hostId');
      await limited(ctx, hostId, vmId);
      return ctx.broker.releases.challenge({ vmId, hostId });
    },
  },
  {
    method: 'POST', path: '/v1/releases', admin: false,
    async handle(ctx) {
      const b = ctx.body;
      const req = { nonceId: b.string('nonceId'), vmId: b.string('vmId'), hostId: b.string('hostId'), ephemeralPublicKey: b.bytes('ephemeralPublicKey'), evidence: b.bytes('evidence') };
      await limited(ctx, req.hostId, req.vmId);
      return ctx.broker.releases.release(req);
    },
  },
  {
    method: 'POST', path: '/v1/releases/tpm', admin: false,
    async handle(ctx) {
      const b = ctx.body;
      const storageKeyPublic = b.optionalBytes('storageKeyPublic');
      const innerWrapper = b.optionalBoolean('innerWrapper');
      const req = { nonceId: b.string('nonceId'), vmId: b.string('vmId'), hostId: b.string('hostId'), evidence: b.bytes('evidence'), ...(storageKeyPublic ? { storageKeyPublic } : {}), ...(innerWrapper !== undefined ? { innerWrapper } : {}) };
      await limited(ctx, req.hostId, req.vmId);
      return ctx.broker.releases.releaseToTpm(req);
    },
  },
  {
    method: 'POST', path: '/v1/enrolments', admin: true,
    async handle(ctx) {
      const b = ctx.body;
      const c = await ctx.broker.hosts.startEnrolment(b.string('hostId'), b.bytes('ekPublic'), b.optionalBytes('ekCertificate'), b.bytes('akPublic'));
      return { enrolmentId: c.id, akName: c.akName, credentialBlob: c.credentialBlob, secret: c.secret };
    },
  },
  {
    method: 'POST', path: '/v1/enrolments/:id/activation', admin: true,
    async handle(ctx) {
      const ak = await ctx.broker.hosts.finishEnrolment(ctx.params.id!, ctx.body.bytes('activatedSecret'), ctx.broker.now());
      return { hostId: ak.hostId, akName: ak.akName };
    },
  },
  {
    method: 'POST', path: '/v1/hosts/:hostId/revocation', admin: true,
    async handle(ctx) {
      return { revoked: await ctx.broker.hosts.revokeHost(ctx.params.hostId!, ctx.broker.now()) };
    },
  },
  {
    method: 'GET', path: '/v1/vms', admin: true,
    async handle(ctx) {
      return { vms: await ctx.broker.tenant.listVms() };
    },
  },
  {
    method: 'POST', path: '/v1/vms', admin: true,
    async handle(ctx) {
      const vmId = ctx.body.string('vmId');
      return { vmId, keyVersion: await ctx.broker.tenant.addVm(vmId, ctx.body.optionalString('tenant') ?? 'default', ctx.body.optionalBytes('key')) };
    },
  },
  {
    method: 'POST', path: '/v1/vms/:vmId/keys', admin: true,
    async handle(ctx) {
      return { keyVersion: await ctx.broker.tenant.setKey(ctx.params.vmId!, ctx.body.optionalBytes('key')) };
    },
  },
  {
    method: 'PUT', path: '/v1/vms/:vmId/policy', admin: true,
    async handle(ctx) {
      return { policyVersion: await ctx.broker.tenant.setPolicy(ctx.params.vmId!, ctx.body.object('policy') as ReleasePolicy) };
    },
  },
  {
    method: 'GET', path: '/v1/vms/:vmId/policy', admin: true,
    async handle(ctx) {
      const v = ctx.query.get('version');
      return (await ctx.broker.tenant.policy(ctx.params.vmId!, v === null ? undefined : Number(v))) ?? { version: null, policy: null };
    },
  },
  {
    method: 'GET', path: '/v1/audit', admin: true,
    async handle(ctx) {
      const q = ctx.query;
      const entries = await ctx.broker.tenant.releaseLog({
        ...(q.get('vmId') ? { vmId: q.get('vmId')! } : {}),
        ...(q.get('afterSeq') ? { afterSeq: Number(q.get('afterSeq')) } : {}),
        ...(q.get('limit') ? { limit: Number(q.get('limit')) } : {}),
      });
      return { entries };
    },
  },
];

/** The route for a method and path, with its :params. */
export function matchRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | null {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of BROKER_ROUTES) {
    const pattern = route.path.split('/').filter(Boolean);
    if (route.method !== method || pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(parts[i]!)), true) : p === parts[i]))) return { route, params };
  }
  return null;
}
