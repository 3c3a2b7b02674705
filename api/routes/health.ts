import type { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../services/context.ts';
import type { AppEnv } from './env.ts';
import type { Registry } from 'prom-client';
import { allows } from '../domain/access.ts';
import { HttpProblem } from '../problem.ts';
import { authenticateApiKey } from '../services/keys/api-keys.ts';

/** How long readiness waits for the database before answering 503. */
const READY_TIMEOUT_MS = 2000;

/**
 * For load balancers and orchestrators: `/healthz` says the process serves (it touches no
 * database, so a stalled database never fails it); `/readyz` says it should get traffic: its
 * database answers within two seconds, the database's schema is not newer than this instance
 * knows (an old instance left running in a rolling deploy), and its public page is built —
 * else 503 with Retry-After and the reason, so traffic goes to another instance.
 */
export function mountHealthRoutes(app: Hono<AppEnv>, ctx: ServiceContext, warm?: () => boolean): void {
  const noStore = { 'cache-control': 'no-store' };
  const known = knownMigrations();
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, noStore));
  app.get('/readyz', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    const unready = (reason: string) => c.json({ status: 'unavailable', reason }, 503, { ...noStore, 'retry-after': '5' });
    try {
      const applied = await Promise.race([ctx.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM __drizzle_migrations`), timeout]);
      if (Number(applied?.n ?? 0) > known) return unready(`database: its schema has ${applied?.n} migrations, this instance knows ${known}; upgrade it`);
    } catch (err) {
      return unready(`database: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (warm && !warm()) return unready('the public page is not built yet');
    return c.json({ status: 'ready' }, 200, noStore);
  });
}

/** How many migrations this build ships. */
function knownMigrations(): number {
  const journal = JSON.parse(readFileSync(fileURLToPath(new URL('../../db/migrations/meta/_journal.json', import.meta.url)), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/**
 * `GET /metrics` (Prometheus text format) for a scraper holding an API key with the read scope
 * (Prometheus sends it as `authorization: Bearer …`): metrics name the instance's traffic and
 * queues, which the public need not see.
 */
export function mountMetrics(app: Hono<AppEnv>, ctx: ServiceContext, registry: Registry): void {
  app.get('/metrics', async (c) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const key = token ? await authenticateApiKey(ctx, token) : null;
    if (!key || !allows(key.scopes, 'read')) {
      throw new HttpProblem(
        'unauthorized',
        'Send an API key with the read scope as `Authorization: Bearer <key>`',
        [{ path: 'Authorization', message: 'missing, unknown or revoked key' }],
        {
          'www-authenticate': 'Bearer realm="candor-metrics"',
        },
      );
    }
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  });
}
