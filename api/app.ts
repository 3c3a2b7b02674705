import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { serveStatic } from '@hono/node-server/serve-static';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { describeError, type Logger } from './log.ts';
import { errorToResponse, problem, problemResponse } from './problem.ts';
import { HTML_HEADERS, isSitePath } from './public/pages.ts';
import { ADMIN_BASE, mountAdminApi } from './routes/admin/index.ts';
import type { ServiceContext } from './services/context.ts';
import type { SubscriptionSettings } from './services/subscribers/links.ts';
import { mountSubscriptionRoutes } from './routes/public/subscriptions.ts';
import type { AppEnv } from './routes/env.ts';
import { mountHealthRoutes, mountMetrics } from './routes/health.ts';
import { mountIntegrationRoutes } from './routes/integrations.ts';
import { faviconSvg } from './public/badges.ts';
import type { Indicator } from './domain/status/summary.ts';
import type { Registry } from 'prom-client';
import { clientIp } from './routes/client-ip.ts';
import { limitBody } from './routes/body-limit.ts';
import { sameOrigin } from './routes/same-origin.ts';
import { type Logo, logoPath } from './services/logo.ts';

const CONSOLE_BODY_BYTES = 64 * 1024;
const CONSOLE_IMPORT_BYTES = 8 * 1024 * 1024;

/** A logo as served: its bytes, type and the version its URL names. */
/** Astro's Node middleware handler (dist/server/entry.mjs `handler`). */
export type SiteHandler = (req: IncomingMessage, res: ServerResponse, next: ((err?: unknown) => void) | undefined, locals: object) => Promise<void>;

export interface AppOptions {
  ctx: ServiceContext;
  logger: Logger;
  /** What subscriber links are built from (the signing secret is resolved once, lazily). */
  subscriptions?: () => Promise<SubscriptionSettings>;
  /** Whether the public page is built and in memory (for `/readyz`); absent: not asked. */
  warm?: () => boolean;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy?: boolean;
  /** The owner's brand colour (null: none), for the public page's band. */
  brandColor?: () => string | null;
  /** The page's status as last read for the current data (null: not read yet), for the favicon. */
  indicator?: () => Indicator | null;
  /** The owner's logo (null: none), served at `/brand/logo?v=<version>`. */
  logo?: () => Logo | null;
  /** The instance's metrics, served at `/metrics` to a key with the read scope. */
  metrics?: Registry;
  /**
   * The built Astro site; absent in API-only tests. `notFound` answers a request no page matches
   * (the not-found page from memory: no render per unknown path).
   */
  site?: { handler: SiteHandler; clientDir: string; name: string; url: string; notFound: (req: IncomingMessage, res: ServerResponse) => void };
}

/** Builds Candor's one HTTP app: admin API, then the public site (Astro) for everything else. */
export function createApp({ ctx, logger, site, subscriptions, trustProxy, warm, brandColor, indicator, logo, metrics }: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const outgoing = c.env?.outgoing;
    const log = () =>
      logger.info('request', {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        // What was sent: Astro writes straight to the Node response, and Hono's answer is
        // written after this middleware returns.
        status: outgoing?.headersSent ? outgoing.statusCode : c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      });
    // Through node:http, once the answer is out (or the client gone); otherwise (in-process) now.
    if (outgoing && !outgoing.writableEnded) outgoing.once('close', log);
    else log();
  });
  app.onError((err, c) =>
    errorToResponse(c, err, (cause) => logger.error('unhandled error', { request_id: c.get('requestId'), path: c.req.path, ...describeError(cause) })),
  );

  mountAdminApi(app, ctx, async () => (subscriptions ? await subscriptions() : { pageName: 'Status', publicUrl: '' }));
  app.all(`${ADMIN_BASE}/*`, (c) => problemResponse(problem(c, 'not_found', `No admin API route ${c.req.method} ${c.req.path}`)));

  mountIntegrationRoutes(app, ctx);
  mountHealthRoutes(app, ctx, warm);
  if (metrics) mountMetrics(app, ctx, metrics);
  // Console forms: bounded (a subscriber import may carry a few MB of CSV, the settings a logo;
  // every other form is small), and only from this page's own origin (the session and CSRF token are checked in
  // site/middleware.ts).
  const consoleLimit = limitBody(CONSOLE_BODY_BYTES);
  const importLimit = limitBody(CONSOLE_IMPORT_BYTES);
  for (const path of ['/admin', '/admin/*']) {
    app.post(
      path,
      (c, next) => (c.req.path === '/admin/subscribers' || c.req.path === '/admin/settings' ? importLimit : consoleLimit)(c, next),
      sameOrigin(async () => (subscriptions ? (await subscriptions()).publicUrl : '')),
    );
  }
  if (subscriptions) mountSubscriptionRoutes(app, ctx, subscriptions, trustProxy);

  // Public JSON and feeds are answered from snapshots before Hono; a CORS preflight lands here.
  app.options('/api/v2/*', (c) =>
    c.body(null, 204, {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': '*',
      'access-control-max-age': '86400',
    }),
  );
  // Any other path under /api is no endpoint: a client of the JSON API gets JSON (as the admin
  // API's own unknown routes do), not the HTML not-found page; the public API's with CORS open.
  app.all('/api/*', (c) =>
    problemResponse(
      problem(c, 'not_found', `No API route ${c.req.method} ${c.req.path}`),
      c.req.path.startsWith('/api/v2/') ? { 'access-control-allow-origin': '*' } : {},
    ),
  );

  // The brand colour as a stylesheet (the page's CSP allows no inline style). The colour is in the
  // URL, so each URL's answer never changes and may be cached for good.
  app.get('/brand.css', (c) => {
    const v = c.req.query('v') ?? '';
    const color = /^[0-9a-f]{6}$/i.test(v) ? `#${v}` : null;
    const css = color ? `:root { --brand: ${color}; }\n.site-header { border-top: 0.4rem solid var(--brand); }\n` : '';
    return c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
  });

  // The logo, under a URL that names its version: each answer may be cached for good.
  app.get('/brand/logo', (c) => {
    const current = logo?.() ?? null;
    if (!current || c.req.query('v') !== current.version) return c.body('No such logo', 404, { 'content-type': 'text/plain; charset=utf-8' });
    return c.body(current.bytes, 200, {
      'content-type': current.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });

  // The favicon of each status: the page links the one it shows (a URL per status, cached for good).
  app.get('/favicon/:file', (c) => {
    const indicator = /^(none|minor|major|critical|maintenance)\.svg$/.exec(c.req.param('file'))?.[1] as Indicator | undefined;
    if (!indicator) return c.notFound();
    return c.body(faviconSvg(indicator), 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=31536000, immutable' });
  });

  if (site) {
    // Astro's build names these files by their content hash: cache them forever.
    // The build writes a brotli and a gzip copy of each (astro.config.mjs): served as the browser accepts.
    app.use(
      '/_astro/*',
      serveStatic({ root: site.clientDir, precompressed: true, onFound: (_, c) => c.header('cache-control', 'public, max-age=31536000, immutable') }),
    );
    app.use('/favicon.svg', serveStatic({ root: site.clientDir, onFound: (_, c) => c.header('cache-control', 'public, max-age=86400') }));
    app.all('*', async (c) => {
      const { incoming, outgoing } = c.env ?? {};
      if (!incoming || !outgoing) return c.notFound();
      // A path outside the site's sections (what scanners try) is not handed to Astro to look up.
      if (!isSitePath(c.req.path)) {
        site.notFound(incoming, outgoing);
        return RESPONSE_ALREADY_SENT;
      }
      const locals: App.Locals = {
        candor: ctx,
        site: { name: site.name, url: site.url },
        subscriptions: await subscriptions?.(),
        clientIp: clientIp(c, trustProxy ?? false),
        brandColor: brandColor?.() ?? null,
        indicator: indicator?.() ?? null,
        logoUrl: logoPath(logo?.() ?? null),
      };
      for (const [name, value] of Object.entries(HTML_HEADERS)) outgoing.setHeader(name, value);
      await site.handler(incoming, outgoing, () => site.notFound(incoming, outgoing), locals);
      return RESPONSE_ALREADY_SENT;
    });
  }
  return app;
}
