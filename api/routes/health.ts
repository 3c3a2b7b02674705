import type { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../services/context.ts';
import type { AppEnv } from './env.ts';

/** How long readiness waits for the database before answering 503. */
const READY_TIMEOUT_MS = 2000;

/**
 * For load balancers and orchestrators: `/healthz` says the process serves (it touches no
 * database, so a stalled database never fails it); `/readyz` says it can reach its database
 * within two seconds, else 503 with Retry-After, so traffic goes to another instance.
 */
export function mountHealthRoutes(app: Hono<AppEnv>, ctx: ServiceContext): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, noStore));
  app.get('/readyz', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([ctx.database.db.run(sql`SELECT 1`), timeout]);
      return c.json({ status: 'ready' }, 200, noStore);
    } catch (err) {
      return c.json({ status: 'unavailable', reason: `database: ${(err as Error).message}` }, 503, { ...noStore, 'retry-after': '5' });
    } finally {
      clearTimeout(timer);
    }
  });
}
