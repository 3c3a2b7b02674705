// `GET /metrics` in Prometheus's text format (prom-client): what an operator alerts on.
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceContext } from './services/context.ts';
import { notYetQueued } from './services/outbox/fan-out.ts';
import { droppedLogLines } from './log.ts';

/** The group a request path belongs to: few, fixed label values (never the raw path). */
export function routeGroup(path: string): string {
  if (path === '/' || path === '/history' || /^\/(incidents|maintenances)\/[^/]+$/.test(path)) return 'page';
  if (path.startsWith('/api/v2/')) return 'public_api';
  if (/\.(atom|rss)$/.test(path)) return 'feed';
  if (path.startsWith('/api/admin/')) return 'admin_api';
  if (path === '/admin' || path.startsWith('/admin/')) return 'console';
  if (path.startsWith('/subscribe') || path.startsWith('/subscriptions/')) return 'subscription';
  if (path.startsWith('/_astro/') || path.startsWith('/brand') || path === '/favicon.svg' || path.startsWith('/favicon/')) return 'asset';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return 'health';
  return 'other';
}

export interface Metrics {
  registry: Registry;
  /** Records one answered request. */
  request(path: string, method: string, status: number, seconds: number): void;
  /**
   * Counts one request answered from a snapshot in memory within the handler's own call (most
   * of them): counted, not timed. `target` is the request's URL (path and query).
   */
  fromMemory(target: string, method: string, status: number): void;
  /** Records one snapshot (re)build. */
  snapshot(seconds: number, ok: boolean): void;
  /** Records one batch the email provider refused (status null: no answer). */
  providerError(status: number | null): void;
  /** Records one pulse: the instance's request to its database each beat. */
  pulse(seconds: number, ok: boolean): void;
}

/** The instance's metrics; outbox depth and leadership are read when scraped. */
export function createMetrics(ctx: ServiceContext, leading: () => boolean): Metrics {
  const registry = new Registry();
  // Requests answered from memory are counted here and added to the counter when it is scraped:
  // prom-client's labelled `inc` and `observe` cost ≈ 4 µs a request, a tenth of what the page
  // costs at saturation (bench/README); a count in a map costs a fraction of that.
  const fromMemory = new Map<string, number>();
  const requests = new Counter({
    name: 'candor_http_requests_total',
    help: 'Requests answered, by route group, method and status class',
    labelNames: ['group', 'method', 'status'],
    registers: [registry],
    collect() {
      for (const [key, n] of fromMemory) {
        const [group, method, status] = key.split(' ') as [string, string, string];
        this.inc({ group, method, status }, n);
      }
      fromMemory.clear();
    },
  });
  const latency = new Histogram({
    name: 'candor_http_request_duration_seconds',
    help: 'Time to answer a request that was not a snapshot in memory (those are answered within the call that read them), by route group',
    labelNames: ['group'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const snapshots = new Histogram({
    name: 'candor_snapshot_build_duration_seconds',
    help: 'Time to build a public snapshot (page, JSON, feed), by result',
    labelNames: ['result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const provider = new Counter({
    name: 'candor_email_provider_errors_total',
    help: 'Email batches the provider refused or did not answer, by status',
    labelNames: ['status'],
    registers: [registry],
  });
  const pulses = new Histogram({
    name: 'candor_database_pulse_duration_seconds',
    help: "Each pulse's request to the database (change counter, lease, outbox due), by result",
    labelNames: ['result'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  // The server's own lines: its delivery process writes to the same two streams, which fail for both.
  const reported = { stdout: 0, stderr: 0 };
  new Counter({
    name: 'candor_log_lines_dropped_total',
    help: 'Log lines not written because their stream had failed (its reader gone, its disk full), by stream',
    labelNames: ['stream'],
    registers: [registry],
    collect() {
      const now = droppedLogLines();
      for (const stream of ['stdout', 'stderr'] as const) {
        this.inc({ stream }, now[stream] - reported[stream]);
        reported[stream] = now[stream];
      }
    },
  });
  new Gauge({
    name: 'candor_leader',
    help: '1 while this instance holds the leader lease (clocks, cadence watcher)',
    registers: [registry],
    collect() {
      this.set(leading() ? 1 : 0);
    },
  });
  const depth = new Gauge({
    name: 'candor_outbox_pending',
    help: 'Messages waiting to be sent, by channel and status',
    labelNames: ['channel', 'status'],
    registers: [registry],
  });
  const oldest = new Gauge({
    name: 'candor_outbox_oldest_pending_seconds',
    help: 'Age of the oldest message waiting to be sent, by channel',
    labelNames: ['channel'],
    registers: [registry],
  });
  const failed = new Gauge({ name: 'candor_outbox_failed', help: 'Messages that failed for good, by channel', labelNames: ['channel'], registers: [registry] });
  new Gauge({
    name: 'candor_outbox_not_yet_queued',
    help: 'Recipients of large fan-outs in progress not queued yet (added a thousand at a time)',
    registers: [registry],
    async collect() {
      this.set((await notYetQueued(ctx.database)).total);
    },
  });
  // Read once per scrape, in one query (the queue index serves it).
  new Gauge({
    name: 'candor_metrics_scrape_database_seconds',
    help: 'Time the last scrape spent reading the outbox',
    registers: [registry],
    async collect() {
      const started = performance.now();
      const rows = await ctx.database.db.all<{ status: string; n: number; oldest: number | null }>(
        sql`SELECT status, count(*) AS n, min(created_at) AS oldest FROM outbox WHERE status IN ('queued', 'sending', 'failed') GROUP BY status`,
      );
      const get = (status: string) => rows.find((r) => r.status === status);
      for (const status of ['queued', 'sending']) depth.set({ channel: 'email', status }, Number(get(status)?.n ?? 0));
      failed.set({ channel: 'email' }, Number(get('failed')?.n ?? 0));
      const pending = [get('queued')?.oldest, get('sending')?.oldest].filter((v): v is number => v !== null && v !== undefined);
      oldest.set({ channel: 'email' }, pending.length ? Math.max(0, (ctx.now().getTime() - Math.min(...pending)) / 1000) : 0);
      this.set((performance.now() - started) / 1000);
    },
  });
  return {
    registry,
    request(path, method, status, seconds) {
      const group = routeGroup(path);
      requests.inc({ group, method, status: `${Math.floor(status / 100)}xx` });
      latency.observe({ group }, seconds);
    },
    fromMemory(target, method, status) {
      const q = target.indexOf('?');
      const key = `${routeGroup(q === -1 ? target : target.slice(0, q))} ${method} ${Math.floor(status / 100)}xx`;
      fromMemory.set(key, (fromMemory.get(key) ?? 0) + 1);
    },
    snapshot: (seconds, ok) => snapshots.observe({ result: ok ? 'ok' : 'failed' }, seconds),
    providerError: (status) => provider.inc({ status: status === null ? 'no_answer' : String(status) }),
    pulse: (seconds, ok) => pulses.observe({ result: ok ? 'ok' : 'failed' }, seconds),
  };
}
