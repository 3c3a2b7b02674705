import type { Hono } from 'hono';
import type { AppContext, AppEnv, Authenticated } from '../env.ts';
import { HttpProblem } from '../../problem.ts';
import type { ServiceContext } from '../../services/context.ts';
import { authenticateApiKey } from '../../services/keys/api-keys.ts';
import { completeIdempotencyKey, releaseIdempotencyKey, reserveIdempotencyKey, type IdempotentRequest } from '../../services/idempotency.ts';
import { mountRoutes, openApiDocument, type Route } from '../define.ts';
import { componentGroupRoutes } from './component-groups.ts';
import { componentRoutes } from './components.ts';
import { incidentRoutes, policyRoutes, postmortemRoute, reportRoute } from './incidents.ts';
import { outboxRoutes, subscriberRoutes } from './subscribers.ts';
import { customerEmailPreviewRoute, customerRoutes, statementRoutes } from './customers.ts';
import { maintenanceRoutes } from './maintenances.ts';
import { limitBody } from '../body-limit.ts';
import { templateRoutes } from './templates.ts';
import { auditRoutes } from './audit.ts';
import { integrationRoutes } from './integrations.ts';

export const ADMIN_BASE = '/api/admin/v1';
const MAX_BODY_BYTES = 64 * 1024;

/** Every admin API operation; the console runs the same ones. */
export const adminRoutes: Route[] = [
  ...componentGroupRoutes,
  ...componentRoutes,
  ...incidentRoutes,
  postmortemRoute,
  ...maintenanceRoutes,
  ...subscriberRoutes,
  ...outboxRoutes,
  ...policyRoutes,
  reportRoute,
  ...customerRoutes,
  ...statementRoutes,
  customerEmailPreviewRoute,
  ...templateRoutes,
  ...auditRoutes,
  ...integrationRoutes,
];

/** Bearer-key authentication, once per request (the idempotency layer and the route share it). */
function authenticator(ctx: ServiceContext) {
  return async (c: AppContext): Promise<Authenticated> => {
    const cached = c.get('auth');
    if (cached) return cached;
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const challenge = { 'www-authenticate': 'Bearer realm="candor-admin"' };
    if (!token) {
      throw new HttpProblem(
        'unauthorized',
        'Send an API key as `Authorization: Bearer <key>`',
        [{ path: 'Authorization', message: header ? 'not a Bearer token' : 'missing' }],
        challenge,
      );
    }
    const key = await authenticateApiKey(ctx, token);
    if (!key) {
      throw new HttpProblem(
        'unauthorized',
        'The API key is not valid or has been revoked',
        [{ path: 'Authorization', message: 'unknown or revoked key' }],
        challenge,
      );
    }
    const auth = { actor: { apiKeyId: key.id, name: key.name, requestId: c.get('requestId') }, scopes: key.scopes };
    c.set('auth', auth);
    return auth;
  };
}

/** The admin API under /api/admin/v1: bearer keys with scopes, 64 KB bodies (an import: its own limit), Idempotency-Key on POST. */
export function mountAdminApi(app: Hono<AppEnv>, ctx: ServiceContext, site: () => Promise<{ pageName: string; publicUrl: string }>): void {
  const authenticate = authenticator(ctx);
  const document = openApiDocument(adminRoutes, { title: 'Candor admin API', version: '1', basePath: ADMIN_BASE });
  const admin = app.basePath(ADMIN_BASE);
  admin.get('/openapi.json', (c) => c.json(document));
  // Each route's own limit where it has one (an import), the API's otherwise.
  const limits = new Map(
    adminRoutes.filter((r) => r.spec.maxBodyBytes).map((r) => [`${r.spec.method} ${ADMIN_BASE}${r.spec.path}`, limitBody(r.spec.maxBodyBytes!)]),
  );
  const standard = limitBody(MAX_BODY_BYTES);
  admin.use('*', (c, next) => (limits.get(`${c.req.method.toLowerCase()} ${c.req.path}`) ?? standard)(c, next));
  admin.post('*', async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    const { actor } = await authenticate(c);
    const request: IdempotentRequest = { apiKeyId: actor.apiKeyId!, key, method: c.req.method, path: c.req.path, body: await c.req.text() };
    const reservation = await reserveIdempotencyKey(ctx, request);
    if (reservation.replay) {
      return new Response(reservation.body, {
        status: reservation.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
      });
    }
    await next();
    if (c.res.ok) await completeIdempotencyKey(ctx, request, c.res.status, await c.res.clone().text());
    else await releaseIdempotencyKey(ctx, request);
  });
  mountRoutes(admin, adminRoutes, { ctx, authenticate, site });
}
