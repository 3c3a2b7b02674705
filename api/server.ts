import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { createDb } from '../db/client.ts';
import { createApp, type SiteHandler } from './app.ts';
import { listen } from './listen.ts';
import { logoOf } from './services/logo.ts';
import { DeliveryProcess } from './workers/delivery-process.ts';
import { createMetrics } from './metrics.ts';
import { readConfig } from './config.ts';
import { describeError, jsonLogger as logger, outliveLogStreams } from './log.ts';
import { feedRoutes } from './public/feeds.ts';
import { loopbackRenderer, NOT_FOUND_KEY, pageRoutes, type PageIndex } from './public/pages.ts';
import { publicPageIndex } from './services/public/history.ts';
import { statuspageRoutes } from './public/statuspage.ts';
import { badgeRoutes, pageIndicator } from './public/badges.ts';
import type { Indicator } from './domain/status/summary.ts';
import { Snapshots } from './public/snapshots.ts';
import type { ServiceContext } from './services/context.ts';
import { claimDemoSeed, isEmpty, seedDemo } from './services/demo/seed.ts';
import { agreeOnSettings } from './services/shared-settings.ts';
import { hasUsers } from './services/users/users.ts';
import { readOperatorSettings } from './services/operator-settings.ts';
import { CadenceWatcher } from './workers/cadence-watcher.ts';
import { MaintenanceClock } from './workers/maintenance-clock.ts';
import { StatementClock } from './workers/statement-clock.ts';
import { AlertClock } from './workers/alert-clock.ts';
import { DeliveryWatch } from './workers/delivery-watch.ts';
import { Lease } from './workers/leading-worker.ts';
import { Pulse } from './workers/pulse.ts';

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
  outliveLogStreams();
  const config = readConfig();
  const database = await createDb(config.databaseUrl, {
    authToken: config.databaseAuthToken,
    replicaFile: config.replicaFile,
    timeoutMs: config.databaseTimeoutMs,
  });
  await database.migrate();
  const ctx: ServiceContext = { database, now: () => new Date(), webhookAllowedNetworks: config.webhookAllowNetworks };
  const shared = await agreeOnSettings(ctx, config);
  if (config.demo && (await isEmpty(ctx)) && (await claimDemoSeed(ctx))) {
    await seedDemo(ctx);
    logger.info('seeded the demo page (CANDOR_DEMO=0 starts empty)');
  }
  if (!(await hasUsers(ctx))) {
    logger.info('the console has no users yet: `npm run candor -- users create --email YOU@EXAMPLE.COM --role owner` prints a sign-in link for /admin');
    logger.info('for automation, `npm run candor -- keys create --name NAME --scope admin` prints an admin API key');
  }
  // What an owner sets in the console, over what this deployment's environment says; re-read
  // whenever the database changes, so every instance follows a change within a pulse.
  const environment = {
    emailFrom: config.emailFrom ?? `${quotedName(shared.pageName)} <status@example.com>`,
    defaultCommander: config.commanderEmail ?? null,
    escalationContact: config.escalationEmail ?? null,
    webhookUrl: config.webhookUrl ?? null,
  };
  let operator = await readOperatorSettings(ctx, environment);
  const site = await loadSite();
  const subscriptionSettings = { publicUrl: shared.publicUrl, pageName: shared.pageName, secret: shared.secret };
  const subscriptions = async () => subscriptionSettings;
  const lease = new Lease(ctx, 'leader', config.leaseTtlMs);
  const metrics = createMetrics(ctx, () => lease.epoch !== null);
  const app = createApp({
    ctx,
    logger,
    subscriptions,
    trustProxy: config.trustProxy,
    site: site && {
      ...site,
      name: shared.pageName,
      url: shared.publicUrl,
      notFound: (req, res) => {
        if (!snapshots.answerWith(NOT_FOUND_KEY, req, res)) res.writeHead(404).end();
      },
    },
    warm: () => !site || snapshots.has('/'),
    brandColor: () => operator.brandColor,
    indicator: () => currentFacts()?.indicator ?? null,
    logo: () => logoOf(operator.logo),
    metrics: metrics.registry,
  });

  // One pulse per instance: sees other instances' changes, holds or seeks the leader lease, and
  // notices when the outbox has something due.
  // An embedded replica's sync holds the event loop for its round trip to the primary: pages built
  // from one follow other instances' changes at the beat, not sooner while they are read.
  const pulse = new Pulse({
    database,
    lease,
    logger,
    now: ctx.now,
    intervalMs: config.pulseMs,
    watchedMs: config.replicaFile ? Number.POSITIVE_INFINITY : undefined,
    onBeat: metrics.pulse,
  });

  // Emails and webhooks go out from a process of their own, at a lower priority (the page
  // first). It is woken when something is queued: a commit here that wrote to the outbox, or the
  // pulse seeing something due (queued by another process, or retried later).
  const delivery = new DeliveryProcess({
    logger,
    start: { type: 'start', shared, environment },
    nice: config.deliveryNice,
    onProviderError: metrics.providerError,
  });
  database.afterCommit((commit) => commit.outbox && delivery.wake());
  database.onLockWait((waiting) => delivery.giveWay(waiting));
  pulse.onOutboxDue(() => delivery.wake());
  pulse.onChange(() => delivery.changed());
  // Not awaited: the page is served meanwhile, and what is queued goes out once it is up.
  delivery.start().catch((err) => logger.error('the delivery process did not start', describeError(err)));

  // The clocks and the cadence watcher run on the leader only, under its lease.
  const workers = [
    new CadenceWatcher({
      ctx,
      logger,
      lease,
      publicUrl: shared.publicUrl,
      get defaultCommander() {
        return operator.defaultCommander ?? undefined;
      },
      get defaultEscalation() {
        return operator.escalationContact ?? undefined;
      },
      get webhookUrl() {
        return operator.webhookUrl ?? undefined;
      },
      tickMs: config.cadenceTickMs,
    }),
    new MaintenanceClock({ ctx, logger, lease, tickMs: config.maintenanceTickMs }),
    new StatementClock({ ctx, logger, lease, tickMs: config.statementTickMs }),
    new AlertClock({ ctx, logger, lease, tickMs: config.maintenanceTickMs }),
    new DeliveryWatch({
      ctx,
      logger,
      lease,
      tickMs: config.maintenanceTickMs,
      publicUrl: shared.publicUrl,
      recipients: () => [...new Set([operator.defaultCommander, operator.escalationContact].filter((r): r is string => !!r))],
      webhookUrl: () => operator.webhookUrl ?? undefined,
      keepMs: config.outboxRetryMs + 24 * 60 * 60_000,
    }),
  ];
  const pokeWorkers = () => {
    for (const w of workers) w.poke();
  };
  pulse.onLead(pokeWorkers);
  pulse.onChange(pokeWorkers);

  // Public pages are served from memory before Hono sees the request; they are rendered by
  // asking this same server's Astro handler once per data change, with a header only we know.
  const publicPage = { name: shared.pageName, url: shared.publicUrl };
  let origin = '';
  const bypass: [string, string] = ['x-candor-render', randomBytes(16).toString('hex')];
  // Read once per public data version, for every page built at it: which incident, maintenance
  // and history pages exist (any other id is answered by the one not-found snapshot, not a render
  // of its own), and the page's status (each page's favicon shows it). Stale facts answer nothing.
  let pageFacts: { version: number; index: PageIndex; indicator: Indicator } | null = null;
  const loadPageFacts = async () => {
    const version = pulse.publicVersion;
    const [index, indicator] = await Promise.all([publicPageIndex(ctx), pageIndicator(ctx, publicPage)]);
    if (!pageFacts || version >= pageFacts.version) pageFacts = { version, index, indicator };
  };
  const currentFacts = () => (pageFacts && pageFacts.version === pulse.publicVersion ? pageFacts : null);
  const snapshots = new Snapshots({
    routes: [
      ...(site
        ? pageRoutes(
            loopbackRenderer(() => origin, bypass),
            () => currentFacts()?.index ?? null,
          )
        : []),
      ...statuspageRoutes(ctx, publicPage),
      ...feedRoutes(ctx, publicPage),
      ...badgeRoutes(ctx, publicPage),
    ],
    version: () => pulse.watchedVersion(),
    logger,
    bypassHeader: bypass,
    onBuild: metrics.snapshot,
  });
  // Settings are read again on every change; public pages are rebuilt only when what they show
  // changed, and after the settings: the pages rebuilt next show the brand colour just saved.
  let settingsRead: Promise<unknown> = Promise.resolve();
  pulse.onChange(() => {
    settingsRead = readOperatorSettings(ctx, environment).then(
      (read) => {
        operator = read;
      },
      (err) => logger.error('could not read the operator settings', describeError(err)),
    );
  });
  pulse.onPublicChange(() =>
    Promise.all([settingsRead, loadPageFacts()])
      .catch((err) => logger.error('could not read the page index', describeError(err)))
      .finally(() => snapshots.refresh()),
  );
  await pulse.start();
  await loadPageFacts().catch((err) => logger.error('could not read the page index', describeError(err)));
  for (const w of workers) w.start();

  const hono = getRequestListener(app.fetch);
  const handler: RequestListener = (req, res) => {
    const snapshot = snapshots.handle(req, res);
    // A snapshot in memory was answered as the handler ran (most requests): counted, no more.
    if (snapshot && res.writableEnded) return metrics.fromMemory(req.url ?? '/', req.method ?? 'GET', res.statusCode);
    // The rest are timed from here: a build of a snapshot not in memory, or Hono.
    const started = performance.now();
    if (!snapshot) void hono(req, res);
    const record = () => metrics.request((req.url ?? '/').split('?')[0]!, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000);
    if (res.writableEnded) record();
    else res.once('finish', record);
  };
  // Longer than the usual load balancer idle timeout (60 s), so the balancer closes first.
  const server = await listen(handler, { port: config.port, host: config.host, keepAliveTimeout: 65_000 });
  const { address, port } = server.address;
  origin = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info('listening', { url: origin, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') });
  snapshots.prebuild('/').catch((err) => logger.error('could not build the public page yet', describeError(err)));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Workers finish their pass, then the lease is handed over at once.
    const senderStopped = Promise.all([delivery.stop(), Promise.all(workers.map((w) => w.stop())).then(() => pulse.stop())]);
    // Stop accepting, let in-flight requests finish, then close the database.
    let answered = false;
    const force = setTimeout(() => {
      logger.error(
        answered ? 'the delivery process or a worker did not stop in time; closing anyway' : 'in-flight requests did not finish in time; closing anyway',
      );
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    void server.close().then(async () => {
      answered = true;
      await senderStopped;
      database.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  // A promise nobody awaited failed: that one operation is lost, the instance keeps serving,
  // and the log says what it was (an operator alerts on error lines).
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', describeError(err)));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A display name as an address header needs it: quoted, so "Acme, Inc." stays one name. */
function quotedName(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}

main().catch((err) => {
  logger.error('failed to start', describeError(err));
  process.exit(1);
});
