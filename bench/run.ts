// `npm run bench`: how Candor's public page holds up under a thundering herd, measured
// against a bare node:http server serving the same bytes on the same machine in the same run.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, freePort, serveArgs, waitForLine } from '../scripts/processes.ts';
import { benchDatabase } from './seed.ts';
import { onCore, pinned, wrkOnce, type WrkResult } from './wrk.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DURATION = process.env.BENCH_SECONDS ?? '5';
// Tail latency on a shared 2-core VM swings from run to run (a bare node:http server's p99
// ranges 10–200 ms here), so each figure is the median of several runs.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = 256;

function ensureWrk(): void {
  if (existsSync('/usr/bin/wrk')) return;
  console.log('installing wrk (Debian package)…');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit' });
}

function startProcess(cmd: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const [c, a] = onCore(0, cmd, args);
  const child = spawn(c, a, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return waitForLine(child, ready, 30_000).then(() => child);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Several runs as one figure: the medians, and the errors and requests of all. */
const summary = (runs: WrkResult[]): WrkResult => ({
  requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
  p50ms: median(runs.map((r) => r.p50ms)),
  p99ms: median(runs.map((r) => r.p99ms)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  requests: runs.reduce((sum, r) => sum + r.requests, 0),
});

function wrk(url: string, connections: number, headers: Record<string, string> = {}): WrkResult {
  return summary(Array.from({ length: RUNS }, () => wrkOnce(url, connections, headers, DURATION)));
}

/**
 * `a` and `b` measured in turns (a, b, a, b, …) rather than one after the other: this VM's
 * speed drifts within a minute, so each pair sees the same minute. The ratio is the median of
 * the pairs' ratios.
 */
function paired(a: string, b: string, connections: number, headers: Record<string, string> = {}) {
  const pairs = Array.from({ length: RUNS }, () => [wrkOnce(a, connections, headers, DURATION), wrkOnce(b, connections, headers, DURATION)] as const);
  const ratios = pairs.map(([x, y]) => Math.round((x.requestsPerSec / y.requestsPerSec) * 100) / 100);
  return { a: summary(pairs.map(([x]) => x)), b: summary(pairs.map(([, y]) => y)), ratio: median(ratios), ratios };
}

const BROWSER_ENCODINGS = 'gzip, deflate, br, zstd';

/** The raw (still compressed) bytes a browser would receive. */
function rawBody(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    import('node:http').then(({ get }) =>
      get(url, { headers: { 'accept-encoding': BROWSER_ENCODINGS } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject),
    );
  });
}

function rssMb(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** Runs one bench script (Node with `args`) and returns the figures it prints: its last JSON line that is not a log line. */
function figures(args: string[]): unknown {
  const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  const line = out
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{') && !l.includes('"level":'));
  if (!line) throw new Error(`${args.at(-1)} printed no figures`);
  return JSON.parse(line);
}

async function main() {
  ensureWrk();
  console.log('seeding 30 components in 6 groups, ~200 incidents over 90 days, 2 open…');
  const { dir, databaseUrl, database, secret } = await benchDatabase('bench');
  database.close();

  // Run the server exactly as `npm run serve` does (same Node flags).
  const serve = serveArgs();
  const port = await freePort();
  const bareServers: ChildProcess[] = [];
  const candor = await startProcess(process.execPath, serve, { PORT: String(port), DATABASE_URL: databaseUrl, CANDOR_DEMO: '0' }, /"msg":"listening"/);
  const base = `http://127.0.0.1:${port}`;
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    pinned,
    connections: CONNECTIONS,
    seconds: Number(DURATION),
    runs: RUNS,
  };
  try {
    const first = await fetch(`${base}/`);
    const body = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag')!;
    const bytesFile = join(dir, 'page.html');
    writeFileSync(bytesFile, body);
    results.pageBytes = body.length;

    const compressed = await fetch(`${base}/`, { headers: { 'accept-encoding': BROWSER_ENCODINGS } });
    const brBody = Buffer.from(await rawBody(`${base}/`));
    const brFile = join(dir, 'page.html.br');
    writeFileSync(brFile, brBody);
    results.pageBytesBrotli = brBody.length;
    const rss: Record<string, number> = { afterStart: rssMb(candor.pid!) };

    // The yardsticks: bare node:http servers with the same bytes, on the server's core, idle
    // while Candor is measured (and Candor while they are).
    const contentType = first.headers.get('content-type') ?? 'text/html';
    const [barePort, bareIdentityPort] = [await freePort(), await freePort()];
    bareServers.push(
      await startProcess(process.execPath, ['bench/bare-server.ts', brFile, String(barePort), contentType, 'br'], {}, /ready/),
      await startProcess(process.execPath, ['bench/bare-server.ts', bytesFile, String(bareIdentityPort), contentType], {}, /ready/),
    );

    console.log(`/ as browsers ask for it (brotli, ${brBody.length} bytes) at ${CONNECTIONS} connections, in turns with bare node:http…`);
    const brotli = paired(`${base}/`, `http://127.0.0.1:${barePort}/`, CONNECTIONS, { 'Accept-Encoding': BROWSER_ENCODINGS });
    rss.afterPage = rssMb(candor.pid!);
    console.log(`/ uncompressed (${body.length} bytes), in turns with bare node:http…`);
    const identity = paired(`${base}/`, `http://127.0.0.1:${bareIdentityPort}/`, CONNECTIONS);
    rss.afterIdentity = rssMb(candor.pid!);
    console.log('304 path…');
    const notModified = wrk(`${base}/`, CONNECTIONS, { 'If-None-Match': etag, 'Accept-Encoding': BROWSER_ENCODINGS });
    console.log('admin API (authenticated, uncached) for contrast…');
    const adminApi = wrk(`${base}/api/admin/v1/incidents?limit=25`, 16, { Authorization: `Bearer ${secret}` });
    rss.afterAdmin = rssMb(candor.pid!);
    results.rssMb = rss;
    void compressed;

    console.log('update-to-visible…');
    // wrk ran synchronously for a minute and more: this process's idle keep-alive connections
    // were closed by the server meanwhile (its keep-alive timeout is 65 s), which fetch learns of
    // only once the loop turns. One turn, before any of them is reused.
    await new Promise((resolve) => setImmediate(resolve));
    const visible: number[] = [];
    const open = (await (
      await fetch(`${base}/api/admin/v1/incidents?state=open&severity=SEV-2&limit=1`, { headers: { authorization: `Bearer ${secret}` } })
    ).json()) as { data: { id: string }[] };
    for (let i = 0; i < 5; i++) {
      const marker = `Bench update ${Date.now()}-${i}`;
      const res = await fetch(`${base}/api/admin/v1/incidents/${open.data[0]!.id}/updates`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'identified', body: marker }),
      });
      if (res.status !== 201) throw new Error(`update answered ${res.status}`);
      const posted = performance.now();
      while (!(await (await fetch(`${base}/`)).text()).includes(marker)) {
        if (performance.now() - posted > 5000) throw new Error('update not visible within 5 s');
      }
      visible.push(performance.now() - posted);
    }
    results.candorRssPeakMb = Math.round(peakRssMb(candor.pid!));

    Object.assign(results, {
      page: brotli.a,
      bare: brotli.b,
      ratio: brotli.ratio,
      ratios: brotli.ratios,
      pageIdentity: identity.a,
      bareIdentity: identity.b,
      ratioIdentity: identity.ratio,
      ratiosIdentity: identity.ratios,
      notModified,
      adminApi,
      updateToVisibleMs: { max: Math.round(Math.max(...visible)), median: Math.round(visible.sort((x, y) => x - y)[2]!) },
    });
  } finally {
    for (const bare of bareServers) bare.kill();
    candor.kill('SIGTERM');
    await exitOf(candor);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('fan-out of one update to 100 000 subscribers…');
  results.fanOut = figures([...serve.slice(0, -1), 'bench/fan-out.ts']);

  console.log('fan-out of one update to 10 000 webhook subscribers through a running server, / under load meanwhile…');
  results.webhooks = figures(['bench/webhooks.ts']);

  console.log('/ while a 100 000-subscriber fan-out, cache-missing pages and admin writes all run…');
  results.isolation = figures(['bench/isolation.ts']);

  console.log('a 10 000-recipient fan-out against a provider taking 2 requests/s…');
  results.providerPace = figures(['bench/provider-pace.ts']);

  console.log('an import of 100 000 subscribers in one request…');
  results.import = figures(['bench/import.ts']);

  console.log('several instances: idle cost, admin updates on sqld, propagation, a replica, a locked file…');
  results.cluster = figures(['bench/cluster.ts']);

  console.log('the console: 10 000 incidents, 100 000 subscribers, 500 customers…');
  results.console = figures(['bench/console.ts']);

  const r = results as any;
  const row = (name: string, w: WrkResult, c: number) =>
    `| ${name.padEnd(34)} | ${String(c).padStart(5)} | ${w.requestsPerSec.toFixed(0).padStart(8)} | ${w.p50ms.toFixed(2).padStart(7)} | ${w.p99ms.toFixed(2).padStart(7)} | ${String(w.errors).padStart(6)} |`;
  console.log(`
| path                               | conns |    req/s | p50 ms  | p99 ms  | errors |
|------------------------------------|-------|----------|---------|---------|--------|
${row('/ brotli (Candor snapshot)', r.page, CONNECTIONS)}
${row('/ brotli (bare node:http, same bytes)', r.bare, CONNECTIONS)}
${row('/ uncompressed (Candor snapshot)', r.pageIdentity, CONNECTIONS)}
${row('/ uncompressed (bare node:http)', r.bareIdentity, CONNECTIONS)}
${row('/ with If-None-Match (304)', r.notModified, CONNECTIONS)}
${row('/api/admin/v1/incidents (uncached)', r.adminApi, 16)}

Candor / bare node:http, in turns: ${r.ratio} with brotli (pairs ${r.ratios.join(', ')}), ${r.ratioIdentity} uncompressed (pairs ${r.ratiosIdentity.join(', ')}) (target ≥ 0.7)
p99 of / at ${CONNECTIONS} connections: ${r.page.p99ms} ms (target < 50 ms)
update visible on / after the API's 201: median ${r.updateToVisibleMs.median} ms, max ${r.updateToVisibleMs.max} ms (target < 1000 ms)
server peak RSS: ${r.candorRssPeakMb} MB (target < 300 MB); RSS after each phase: ${JSON.stringify(r.rssMb)}
idle instance → database: ${r.cluster.idleRequestsPerSecond.map((i: { leader: boolean; perSecond: number }) => `${i.perSecond}${i.leader ? ' (leader)' : ''}`).join(', ')} requests/s (target ≤ 1)
admin update on sqld (loopback) over HTTP, through a counting relay: median ${r.cluster.adminUpdateOnSqld.medianMs} ms, p95 ${r.cluster.adminUpdateOnSqld.p95Ms} ms, ${r.cluster.adminUpdateOnSqld.roundTripsMedian} round trips (target ≤ 4)
admin update on sqld (loopback) over a WebSocket: median ${r.cluster.adminUpdateOnSqldWs.medianMs} ms, p95 ${r.cluster.adminUpdateOnSqldWs.p95Ms} ms (target < 15 / < 40 ms); the instance's own time: median ${r.cluster.adminUpdateOnSqldWs.serverMedianMs} ms
a change on one instance on the others' /: median ${r.cluster.propagationMs.median} ms, p99 ${r.cluster.propagationMs.p99} ms (target p99 < 1000 ms)
/ on an instance backed by an embedded replica: ${r.cluster.replicaPage.candor.requestsPerSec} req/s vs bare ${r.cluster.replicaPage.bare.requestsPerSec}: ${r.cluster.replicaPage.ratio}, the median of three pairs (${r.cluster.replicaPageRatios.join(', ')}) (target ≥ 0.7)
/ while another process holds the embedded file's write lock: p99 ${r.cluster.embeddedLockedPage.p99ms} ms, ${r.cluster.embeddedLockedPage.requestsPerSec} req/s, ${r.cluster.embeddedLockedPage.errors} errors (target p99 < 50 ms)
console pages with ${r.console.incidents} incidents, ${r.console.subscribers} subscribers and ${r.console.customers} customers, p95 server time: ${Object.entries(
    r.console.pages,
  )
    .map(([path, t]: [string, any]) => `${path} ${t.p95} ms`)
    .join(', ')} (target < 150 ms); declaring through the form: p95 ${r.console.declare.p95} ms to the redirect (target < 150 ms)
webhook fan-out to ${r.webhooks.subscribers} subscribers: the update answered in ${r.webhooks.enqueueMs} ms with every delivery enqueued (target < 1 s); delivered at ${r.webhooks.requestsPerSecond} requests/s (target ≥ 1 000), ${r.webhooks.uniqueIds} subscribers once each; / meanwhile ${r.webhooks.pageDuringFanOut.requestsPerSec} req/s, p99 ${r.webhooks.pageDuringFanOut.p99ms} ms (target < 50 ms) vs ${r.webhooks.pageQuiet.requestsPerSec} req/s, p99 ${r.webhooks.pageQuiet.p99ms} ms alone
/ while a ${r.isolation.subscribers}-subscriber fan-out, ${r.isolation.missesPerSecond} cache-missing requests/s and ${r.isolation.writesPerSecond} admin writes/s run: ${r.isolation.together.requestsPerSec} req/s, p99 ${r.isolation.together.p99ms} ms, ${r.isolation.ratioTogether} × bare (targets ≥ 0.7, < 50 ms; alone: ${r.isolation.ratioAlone} ×, p99 ${r.isolation.alone.p99ms} ms); admin writes answered in a median ${r.isolation.writeMedianMs} ms, missing pages in ${r.isolation.missMedianMs} ms (p99 ${r.isolation.missP99Ms})
against a provider taking ${r.providerPace.rate} requests/s: the last of ${r.providerPace.recipients} emails after ${r.providerPace.lastEmailMs} ms, ${r.providerPace.ratio} × the ${r.providerPace.idealMs} ms that rate allows (target ≤ 1.1), ${r.providerPace.refused} requests refused (target 0 after the first)
an import of ${r.import.rows} subscribers (${Math.round(r.import.bytes / 1024)} KB of CSV) in one request: answered ${r.import.status} in ${r.import.ms} ms (target < 30 s); a visitor of / meanwhile: ${r.import.page.answers} answers, the slowest ${r.import.page.slowestMs} ms
fan-out to ${r.fanOut.subscribers} subscribers: enqueued in ${r.fanOut.enqueueMs} ms (target < 10 s); personalised at ${r.fanOut.personalisedPerSecond} emails/s (target ≥ 5 000: the event's email compiled once, each recipient's links and copy filled in); end to end (rows claimed, personalised, through the SDK to the fake provider, recorded) ${r.fanOut.emailsPerSecond} emails/s wall-clock, ${r.fanOut.emailsPerCpuSecond} per CPU-second of Candor's process (delivery's limit is the provider's: Resend's default 2 requests/s is 200 emails/s); ${r.fanOut.uniqueRecipients} recipients once each; peak RSS ${r.fanOut.peakRssMb} MB`);

  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${r.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
