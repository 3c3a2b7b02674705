import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDb } from '../db/client.ts';
import { createApp, type SiteHandler } from './app.ts';
import { readConfig } from './config.ts';
import { describeError, jsonLogger as logger } from './log.ts';
import type { ServiceContext } from './services/context.ts';
import { isEmpty, seedDemo } from './services/demo/seed.ts';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const SHUTDOWN_GRACE_MS = 10_000;

/** The built Astro site, if `npm run build` has produced it. */
async function loadSite(): Promise<{ handler: SiteHandler; clientDir: string } | undefined> {
  const entry = `${DIST}server/entry.mjs`;
  if (!existsSync(entry)) {
    logger.error('site not built; run `npm run build` (the public page answers 404 until then)', { entry });
    return undefined;
  }
  const { handler } = (await import(entry)) as { handler: SiteHandler };
  return { handler, clientDir: `${DIST}client` };
}

async function main() {
  const config = readConfig();
  const database = await createDb(config.databaseUrl, config.databaseAuthToken);
  await database.migrate();
  const ctx: ServiceContext = { database, now: () => new Date() };
  if (config.demo && (await isEmpty(ctx))) {
    await seedDemo(ctx);
    logger.info('seeded the demo page (CANDOR_DEMO=0 starts empty)');
  }
  const app = createApp({ ctx, logger, site: await loadSite() });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
    logger.info('listening', { url: `http://${info.address}:${info.port}`, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Stop accepting, let in-flight requests finish, then close the database.
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; closing anyway');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      database.close();
      logger.info('stopped');
      process.exit(0);
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  logger.error('failed to start', describeError(err));
  process.exit(1);
});
