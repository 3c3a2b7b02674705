// Is the page isolated from everything else the process does? `/` under wrk (256 connections,
// 10 s) while, together: an update fans out to 100 000 subscribers (through the real Resend SDK
// to the fake provider, its own process), 300 requests/s arrive for pages no snapshot holds
// (unknown incidents, history pages past the last, paths no page has, real incidents never asked
// for), and 10
// admin writes/s land. Against the bare node:http server with the same bytes, in the same run.
// Prints one JSON line.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, freePort, serveArgs, waitForLine } from '../scripts/processes.ts';
import { benchDatabase } from './seed.ts';
import { onCore, pinned, wrkInBackground, wrkOnce } from './wrk.ts';
import { seedSubscribers } from '../test/helpers/db.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const CONNECTIONS = 256;
const MISSES_PER_SECOND = 300;
const BROWSER = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };

const { dir, databaseUrl, database, secret } = await benchDatabase('isolation');
await seedSubscribers(database, SUBSCRIBERS);
const incidentIds = (await database.client.execute('SELECT id FROM incidents')).rows.map((r) => String(r.id));
database.close();

const children: ChildProcess[] = [];
const start = async (cmd: string, args: string[], env: Record<string, string>, ready: RegExp, core: number) => {
  const [c, a] = onCore(core, cmd, args);
  const child = spawn(c, a, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  children.push(child);
  const match = await waitForLine(child, ready, 30_000);
  child.stdout?.resume();
  return { child, match };
};

try {
  const fake = await start(process.execPath, ['bench/fake-resend-server.ts'], {}, /"url":"([^"]+)"/, 1);
  const serve = serveArgs();
  const port = await freePort();
  await start(
    process.execPath,
    serve,
    { PORT: String(port), DATABASE_URL: databaseUrl, CANDOR_DEMO: '0', RESEND_API_KEY: 're_bench', RESEND_BASE_URL: fake.match[1]! },
    /"msg":"listening"/,
    0,
  );
  const base = `http://127.0.0.1:${port}`;
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
      return r.json() as Promise<{ id: string }>;
    });

  // The same bytes from a bare node:http server, measured first (warm-up runs not counted).
  const first = await fetch(`${base}/`, { headers: { 'accept-encoding': 'br' } });
  const brFile = join(dir, 'page.br');
  writeFileSync(brFile, await rawBrotli(`${base}/`));
  const barePort = await freePort();
  await start(process.execPath, ['bench/bare-server.ts', brFile, String(barePort), first.headers.get('content-type') ?? 'text/html', 'br'], {}, /ready/, 0);
  wrkOnce(`http://127.0.0.1:${barePort}/`, CONNECTIONS, BROWSER, 2);
  const bare = wrkOnce(`http://127.0.0.1:${barePort}/`, CONNECTIONS, BROWSER, 10);
  children.pop()?.kill();
  wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 2);
  const alone = wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 10);

  // All together, for the whole of a 10 s wrk run on `/`. This process sends the other load:
  // from the load generator's core, as wrk does, so it takes nothing from the server's.
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const under = wrkInBackground(`${base}/`, CONNECTIONS, BROWSER, 10);
  const started = performance.now();
  const open = await admin('POST', '/incidents', { title: 'Elevated API errors', severity: 'SEV-1', body: 'We are investigating.' });
  let misses = 0;
  const missTimes: number[] = [];
  const pendingMisses: Promise<unknown>[] = [];
  let writes = 0;
  const until = started + 9500;
  // 300 a second on the clock: each tick sends as many as are due, so a late timer catches up.
  const missLoop = (async () => {
    while (performance.now() < until) {
      for (const due = Math.floor(((performance.now() - started) / 1000) * MISSES_PER_SECOND); misses < due; misses++) {
        const i = misses;
        // Unknown incidents, history pages past the last, paths no page has (as scanners try), and
        // real incidents never asked for (each built once, then served from memory like any other).
        const path = [`/incidents/unknown${i}`, `/history?page=${1000 + i}`, `/scan/${i}.php`, `/incidents/${incidentIds[i % incidentIds.length]}`][i % 4];
        const sent = performance.now();
        pendingMisses.push(
          fetch(`${base}${path}`, { headers: { 'accept-encoding': 'br' } }).then(
            (r) => r.arrayBuffer().then(() => missTimes.push(performance.now() - sent)),
            () => undefined,
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pendingMisses);
  })();
  // Writes arrive at 10/s whether or not the previous one has answered (as responders' do).
  const writeTimes: number[] = [];
  const pendingWrites: Promise<unknown>[] = [];
  const writeLoop = (async () => {
    for (let i = 0; performance.now() < until; i++) {
      const sent = performance.now();
      pendingWrites.push(
        admin('POST', `/incidents/${open.id}/notes`, { body: `Note ${i}: still looking.` }).then(
          () => writeTimes.push(performance.now() - sent),
          () => undefined,
        ),
      );
      writes++;
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(pendingWrites);
  })();
  const [together] = await Promise.all([under, missLoop, writeLoop]);
  // Both loops send until `until`; answers may come after.
  const seconds = (until - started) / 1000;
  console.log(
    JSON.stringify({
      subscribers: SUBSCRIBERS,
      bare,
      alone,
      together,
      ratioAlone: Math.round((alone.requestsPerSec / bare.requestsPerSec) * 100) / 100,
      ratioTogether: Math.round((together.requestsPerSec / bare.requestsPerSec) * 100) / 100,
      missesPerSecond: Math.round(misses / seconds),
      writesPerSecond: Math.round((writes / seconds) * 10) / 10,
      writesAnswered: writeTimes.length,
      writeMedianMs: quantile(writeTimes, 0.5),
      missesAnswered: missTimes.length,
      missMedianMs: quantile(missTimes, 0.5),
      missP99Ms: quantile(missTimes, 0.99),
    }),
  );
} finally {
  // Each process stops (the server hands over its lease) before its database goes.
  await Promise.all(
    children.map((c) => {
      c.kill('SIGTERM');
      return exitOf(c);
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}

function quantile(values: number[], q: number): number {
  return Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? 0);
}

/** The brotli bytes a browser gets for `url`, as sent. */
function rawBrotli(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    import('node:http').then(({ get }) =>
      get(url, { headers: { 'accept-encoding': 'br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject),
    );
  });
}
