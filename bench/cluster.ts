// Part of `npm run bench`: Candor as several instances. Prints one JSON line of figures.
// - idle cost: requests each instance sends its database per second, counted by a relay in
//   front of sqld (one relay per instance);
// - an admin update against sqld: latency and round trips (requests the relay saw); then, on
//   three instances over a WebSocket (as deployed), its latency, and propagation: a change made
//   on one instance, until the others' `/` shows it (20 changes);
// - an instance on an embedded replica: `/` against a bare node:http server with the same bytes;
// - an embedded file locked by another process for 10 s: `/` p99 meanwhile.
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../db/client.ts';
import { createApiKey } from '../api/services/keys/api-keys.ts';
import { startInstance, type Instance } from '../scripts/cluster.ts';
import { wrkOnce } from './wrk.ts';
import { exitOf, freePort, holdWriteLock, ROOT, startSqld, waitForLine } from '../scripts/processes.ts';

const CONNECTIONS = 256;
const dir = mkdtempSync(join(tmpdir(), 'candor-bench-cluster-'));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** A relay to `target` that counts the requests it forwards. */
async function countingRelay(target: string) {
  const { hostname, port } = new URL(target);
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    const out = request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => count, close: () => server.close() };
}

const wrk = (url: string, seconds: number) => {
  const { requestsPerSec, p99ms, errors } = wrkOnce(url, CONNECTIONS, { 'Accept-Encoding': 'gzip, deflate, br, zstd' }, seconds);
  return { requestsPerSec, p99ms, errors };
};

/** Once every instance's delivery process has loaded and started sending, and 3 s more. */
async function settled(instances: Instance[]) {
  while (!instances.every((i) => i.log.some((l) => l.includes('"msg":"delivering"')))) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 3000));
}

const results: Record<string, unknown> = {};
const sqld = await startSqld({ dir: join(dir, 'sqld') });
const instances: Instance[] = [];
try {
  const seed = await createDb(sqld.url);
  await seed.migrate();
  const { secret } = await createApiKey({ database: seed, now: () => new Date() }, { name: 'bench', scopes: ['admin'] });
  seed.close();
  const admin = (base: string, method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  // Three instances on sqld, each through its own counting relay.
  const relays = await Promise.all([0, 1, 2].map(() => countingRelay(sqld.url)));
  const env = (n: number) => ({
    DATABASE_URL: relays[n]!.url,
    CANDOR_PUBLIC_URL: 'http://status.bench',
    CANDOR_DEMO: '0',
    CANDOR_OUTBOX_DIR: join(dir, 'outbox'),
  });
  instances.push(...(await Promise.all([0, 1, 2].map(async (n) => startInstance(await freePort(), env(n))))));
  const leader = instances.findIndex((i) => i.log.some((l) => l.includes('leading the clocks')));

  // Idle: 10 s with nothing happening, once every instance has settled (its first claims are
  // start-up, not idling).
  await settled(instances);
  const before = relays.map((r) => r.count());
  await new Promise((r) => setTimeout(r, 10_000));
  results.idleRequestsPerSecond = relays.map((r, n) => ({ leader: n === leader, perSecond: round((r.count() - before[n]!) / 10) }));

  // 60 admin updates on one component through an instance, 250 ms apart (as responders post, the
  // previous update's after-effects — page rebuilds, email claims — have settled), after 10 not
  // counted (the first ones of a process run its code cold): latency as this client saw it, the
  // instance's own time (its request log's duration, from the request read to the answer
  // written), and the round trips each took (if the instance's requests pass a counting relay).
  // Sent through node:http on a kept-alive connection: fetch costs this process ≈ 1 ms of CPU
  // more per request, on a machine whose two cores also run sqld and the instances.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (base: string, path: string, body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const data = JSON.stringify(body);
      const out = request(
        `${base}/api/admin/v1${path}`,
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      out.on('error', reject);
      out.end(data);
    });
  const updates = async (instance: Instance, relay?: { count(): number }) => {
    const base = instance.url;
    const component = (await (await admin(base, 'POST', '/components', { name: 'API' })).json()) as { id: string };
    const incident = (await (
      await admin(base, 'POST', '/incidents', {
        title: 'Bench incident',
        severity: 'SEV-2',
        body: 'b',
        components: [{ id: component.id, status: 'major_outage' }],
      })
    ).json()) as { id: string };
    const path = `/incidents/${incident.id}/updates`;
    const logged = instance.log.length;
    const latencies: number[] = [];
    const trips: number[] = [];
    for (let i = -10; i < 60; i++) {
      const seen = relay?.count() ?? 0;
      const started = performance.now();
      const status = await post(base, path, {
        status: i % 2 ? 'identified' : 'monitoring',
        body: `Update ${i}`,
        components: [{ id: component.id, status: i % 2 ? 'major_outage' : 'partial_outage' }],
      });
      if (status !== 201) throw new Error(`update answered ${status}`);
      if (i >= 0) {
        latencies.push(performance.now() - started);
        trips.push((relay?.count() ?? 0) - seen);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const own = instance.log
      .slice(logged)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; method?: string; path?: string; duration_ms?: number })
      .filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === `/api/admin/v1${path}`)
      .map((l) => l.duration_ms!)
      .slice(10);
    return {
      medianMs: round(pct(latencies, 50)),
      p95Ms: round(pct(latencies, 95)),
      serverMedianMs: round(pct(own, 50)),
      ...(relay && { roundTripsMedian: pct(trips, 50) }),
    };
  };
  // Over HTTP through instance 0's relay (which counts the round trips, and adds a hop to each).
  results.adminUpdateOnSqld = await updates(instances[0]!, relays[0]!);

  // Then the cluster as deployed (docs/deploy.md, `npm run cluster`): three instances talking to
  // sqld over a WebSocket (no relay: it relays HTTP only). The update's latency, and propagation.
  const relayed = instances.splice(0, 3);
  await Promise.all(
    relayed.map((i) => {
      i.child.kill('SIGTERM');
      return exitOf(i.child);
    }),
  );
  for (const r of relays) r.close();
  instances.push(...(await Promise.all([0, 1, 2].map(async (n) => startInstance(await freePort(), { ...env(n), DATABASE_URL: sqld.wsUrl })))));
  // Loading a delivery process takes seconds of CPU: updates measured meanwhile would measure that.
  await settled(instances);
  results.adminUpdateOnSqldWs = await updates(instances[0]!);

  // Propagation: a public change on instance 0 until instances 1 and 2 show it on `/`.
  const propagation: number[] = [];
  for (let i = 0; i < 20; i++) {
    const title = `Propagation ${i}`;
    const res = await admin(instances[0]!.url, 'POST', '/incidents', { title, severity: 'SEV-3', body: 'b', customer_visible: true });
    const posted = performance.now();
    if (res.status !== 201) throw new Error(`declare answered ${res.status}`);
    await Promise.all(
      [1, 2].map(async (n) => {
        while (!(await (await fetch(`${instances[n]!.url}/`)).text()).includes(title)) {
          if (performance.now() - posted > 5000) throw new Error('not visible within 5 s');
          await new Promise((r) => setTimeout(r, 10));
        }
        propagation.push(performance.now() - posted);
      }),
    );
    const { id } = (await res.json()) as { id: string };
    await admin(instances[0]!.url, 'POST', `/incidents/${id}/updates`, { status: 'resolved', body: 'done' });
  }
  results.propagationMs = { median: Math.round(pct(propagation, 50)), p99: Math.round(pct(propagation, 99)), max: Math.round(Math.max(...propagation)) };

  // An instance on an embedded replica: `/` against bare node:http with the same bytes.
  const replica = await startInstance(await freePort(), {
    DATABASE_URL: sqld.url,
    DATABASE_REPLICA_FILE: join(dir, 'replica', 'candor.db'),
    CANDOR_PUBLIC_URL: 'http://status.bench',
    CANDOR_DEMO: '0',
    CANDOR_OUTBOX_DIR: join(dir, 'outbox'),
  });
  instances.push(replica);
  const brotli = Buffer.from(
    await new Promise<Buffer>((resolve, reject) =>
      request(`${replica.url}/`, { headers: { 'accept-encoding': 'br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
        .on('error', reject)
        .end(),
    ),
  );
  const file = join(dir, 'page.br');
  writeFileSync(file, brotli);
  // Each after a warm-up run (not counted); then three pairs, one after the other, and the median
  // pair's ratio: this VM's speed drifts within a minute, for the bare server as much as for Candor.
  const barePort = await freePort();
  const bare = spawn(process.execPath, ['bench/bare-server.ts', file, String(barePort), 'text/html; charset=utf-8', 'br'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(bare, /ready/);
  await settled([replica]);
  wrk(`${replica.url}/`, 2);
  wrk(`http://127.0.0.1:${barePort}/`, 2);
  const pairs = [0, 1, 2].map(() => {
    const candor = wrk(`${replica.url}/`, 5);
    const yardstick = wrk(`http://127.0.0.1:${barePort}/`, 5);
    return { candor, bare: yardstick, ratio: Math.round((candor.requestsPerSec / yardstick.requestsPerSec) * 100) / 100 };
  });
  bare.kill();
  results.replicaPageRatios = pairs.map((p) => p.ratio);
  results.replicaPage = pairs.sort((a, b) => a.ratio - b.ratio)[1];
} finally {
  await Promise.all(
    instances.map((i) => {
      i.child.kill('SIGTERM');
      return exitOf(i.child);
    }),
  );
  await sqld.stop();
}

// An embedded file, with another process holding its write lock for 10 s while `/` is loaded.
{
  const url = `file:${join(dir, 'embedded.db')}`;
  const db = await createDb(url);
  await db.migrate();
  db.close();
  const instance = await startInstance(await freePort(), { DATABASE_URL: url, CANDOR_OUTBOX_DIR: join(dir, 'outbox') });
  await fetch(`${instance.url}/`);
  // Measured settled: its delivery process loads for ≈ 2.7 s of CPU, which is not the lock's doing either.
  await settled([instance]);
  wrk(`${instance.url}/`, 2); // a warm-up run, not counted: a cold process's first second is not the lock's doing
  const holder = await holdWriteLock(url, 'bench-lock', 10_000);
  // Meanwhile the instance's own pulse (it leads) tries to renew its lease: a write that waits on timers.
  const locked = wrk(`${instance.url}/`, 8);
  await exitOf(holder);
  instance.child.kill('SIGTERM');
  await exitOf(instance.child);
  results.embeddedLockedPage = locked;
}

rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(results));
process.exit(0); // fetch's keep-alive sockets would hold the process a while
