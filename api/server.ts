import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { createDb } from '../db/client.ts';
import { createApp, type SiteHandler } from './app.ts';
import { readConfig } from './config.ts';
import { describeError, jsonLogger as logger } from './log.ts';
import { ChangeWatcher } from './public/changes.ts';
import { feedRoutes } from './public/feeds.ts';
import { loopbackRenderer, pageRoutes } from './public/pages.ts';
import { statuspageRoutes } from './public/statuspage.ts';
import { Snapshots } from './public/snapshots.ts';
import type { ServiceContext } from './services/context.ts';
import { claimDemoSeed, isEmpty, seedDemo } from './services/demo/seed.ts';
import { signingSecret } from './services/subscribers/tokens.ts';
import { OutboxSender } from './workers/outbox-sender.ts';
import { CadenceWatcher } from './workers/cadence-watcher.ts';
import { MaintenanceClock } from './workers/maintenance-clock.ts';
import { StatementClock } from './workers/statement-clock.ts';
import { resendTransport } from '../emails/transports/resend.ts';
import { outboxFileTransport } from '../emails/transports/outbox-file.ts';

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
  if (config.demo && (await isEmpty(ctx)) && (await claimDemoSeed(ctx))) {
    await seedDemo(ctx);
    logger.info('seeded the demo page (CANDOR_DEMO=0 starts empty)');
  }
  const site = await loadSite();
  const subscriptionSettings = { publicUrl: config.publicUrl, pageName: config.pageName, secret: await signingSecret(ctx, config.secret) };
  const subscriptions = async () => subscriptionSettings;
  const app = createApp({ ctx, logger, subscriptions, trustProxy: config.trustProxy, site: site && { ...site, name: config.pageName, url: config.publicUrl } });

  // Email: Resend when a key is configured, else .eml files in a local folder.
  const transport = config.resendApiKey ? resendTransport(config.resendApiKey) : outboxFileTransport(config.outboxDir, logger);
  // Two senders per process: one renders and records while the other waits on the provider.
  const senderSettings = { ...subscriptionSettings, from: config.emailFrom };
  const senders = [1, 2].map(() => new OutboxSender({ ctx, transport, settings: senderSettings, logger, leaseMs: config.outboxLeaseMs }));
  database.afterCommit(() => {
    for (const s of senders) s.wake();
  });
  for (const s of senders) s.start();

  const watcher = new CadenceWatcher({
    ctx,
    logger,
    publicUrl: config.publicUrl,
    defaultCommander: config.commanderEmail,
    defaultEscalation: config.escalationEmail,
    webhookUrl: config.webhookUrl,
    tickMs: config.cadenceTickMs,
  });
  watcher.start();
  const clock = new MaintenanceClock({ ctx, logger, tickMs: config.maintenanceTickMs });
  clock.start();
  const statements = new StatementClock({ ctx, logger, tickMs: config.statementTickMs });
  statements.start();
  logger.info('email transport', { transport: transport.name });

  // Public pages are served from memory before Hono sees the request; they are rendered by
  // asking this same server's Astro handler once per data change, with a header only we know.
  const publicPage = { name: config.pageName, url: config.publicUrl };
  const changes = new ChangeWatcher(database, logger);
  await changes.start();
  let origin = '';
  const bypass: [string, string] = ['x-candor-render', randomBytes(16).toString('hex')];
  const snapshots = new Snapshots({
    routes: [...(site ? pageRoutes(loopbackRenderer(() => origin, bypass)) : []), ...statuspageRoutes(ctx, publicPage), ...feedRoutes(ctx, publicPage)],
    version: () => changes.version,
    logger,
    bypassHeader: bypass,
  });
  changes.onChange(() => snapshots.refresh());

  const hono = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
    if (!snapshots.handle(req, res)) void hono(req, res);
  });
  // Longer than the usual load balancer idle timeout (60 s), so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => {
    const { address, port } = server.address() as AddressInfo;
    origin = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    logger.info('listening', { url: origin, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    changes.stop();
    const senderStopped = Promise.all([...senders.map((s) => s.stop()), watcher.stop(), clock.stop(), statements.stop()]);
    // Stop accepting, let in-flight requests finish, then close the database.
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; closing anyway');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      await senderStopped;
      database.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  logger.error('failed to start', describeError(err));
  process.exit(1);
});
