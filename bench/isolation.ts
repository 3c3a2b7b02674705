// Is the page isolated from everything else the process does? `/` under wrk (256 connections,
// 10 s) while, together: an update fans out to 100 000 subscribers (through the real Resend SDK
// to the fake provider, its own process), 300 requests/s arrive for pages no snapshot holds
// (unknown incidents, history pages past the last, paths no page has, real incidents not built
// since the incident opened), and 10 admin writes/s land. Against the bare node:http server with
// the same bytes, in the same run. Three rounds, each on a fresh server and a fresh copy of the
// seeded database (so each starts from the same state); the median round is reported. Before its
// window a round's server runs each kind of side work a few dozen times, as `/` gets a warm-up run
// before it is measured: a server that has been up for a while has that code compiled, and the
// window measures isolation, not the first minutes of a process. The bare server is measured just
// before and just after the window, and the window is compared with the mean of the two (this
// VM's speed drifts within a minute). Prints one JSON line.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, freePort, serveArgs, waitForLine } from '../scripts/processes.ts';
import { benchDatabase } from './seed.ts';
import { backupDatabase } from '../db/backup.ts';
import { onCore, pinned, wrkInBackground, wrkOnce, type WrkResult } from './wrk.ts';
import { seedSubscribers } from '../test/helpers/db.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const CONNECTIONS = 256;
const MISSES_PER_SECOND = 300;
const BROWSER = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };

const { dir, database, secret } = await benchDatabase('isolation');
await seedSubscribers(database, SUBSCRIBERS);
const incidentIds = (await database.client.execute('SELECT id FROM incidents')).rows.map((r) => String(r.id));
// One consistent file to start each round from.
const seeded = join(dir, 'seeded.db');
await backupDatabase(database, seeded);
database.close();

// This process sends the load besides wrk's: on the load generator's core, as wrk is, so it takes
// nothing from the server's; through node:http, which costs that core less than fetch.
if (pinned) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const agent = new Agent({ keepAlive: true });

const children: ChildProcess[] = [];
const start = async (cmd: string, args: string[], env: Record<string, string>, ready: RegExp, core: number) => {
  const [c, a] = onCore(core, cmd, args);
  const child = spawn(c, a, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  children.push(child);
  const match = await waitForLine(child, ready, 30_000);
  child.stdout?.resume();
  return { child, match };
};
const stop = async (child: ChildProcess) => {
  // It hands over its lease before its database goes.
  child.kill('SIGTERM');
  await exitOf(child);
  children.splice(children.indexOf(child), 1);
};

const writeTimes: number[] = [];
const missTimes: number[] = [];
let misses = 0;
let writes = 0;
let seconds = 0;

/**
 * Runs what the window will (a note, a first build of a page, an answer for each kind of missing
 * page) a few dozen times, one after another, on a server otherwise idle. The note goes on an old
 * incident (internal: nothing public changes, no email); each page is asked for once, so the
 * incident opening in the window turns it cold rather than rebuilding it (the window builds it
 * again only if asked, as any other); the misses have ids of their own.
 */
async function warmUp(base: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const note = await fetch(`${base}/api/admin/v1/incidents/${incidentIds[0]}/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: `Warm-up note ${i}.` }),
    });
    if (!note.ok) throw new Error(`warm-up note: ${note.status}`);
    await note.arrayBuffer();
    for (const path of [`/incidents/${incidentIds[incidentIds.length - 1 - i]}`, `/incidents/warm${i}`, `/history?page=${5000 + i}`, `/warm/${i}.php`])
      await rawBrotli(`${base}${path}`);
  }
}

/** `/` on `base` under wrk for 10 s while, from its start, an incident opens (its update fans out) and the misses and writes arrive. */
async function underEverything(base: string): Promise<WrkResult> {
  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${base}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
      return r.json() as Promise<{ id: string }>;
    });
  const under = wrkInBackground(`${base}/`, CONNECTIONS, BROWSER, 10);
  const started = performance.now();
  const open = await admin('POST', '/incidents', { title: 'Elevated API errors', severity: 'SEV-1', body: 'We are investigating.' });
  const until = started + 9500;
  const pending: Promise<unknown>[] = [];
  // 300 a second on the clock: each tick sends as many as are due, so a late timer catches up.
  const missLoop = (async () => {
    for (let i = 0; performance.now() < until; await new Promise((r) => setTimeout(r, 10))) {
      for (const due = Math.floor(((performance.now() - started) / 1000) * MISSES_PER_SECOND); i < due; i++, misses++) {
        // Unknown incidents, history pages past the last, paths no page has (as scanners try), and
        // real incidents, none built since the incident opened (each built once, then served from
        // memory like any other).
        const path = [`/incidents/unknown${i}`, `/history?page=${1000 + i}`, `/scan/${i}.php`, `/incidents/${incidentIds[i % incidentIds.length]}`][i % 4];
        const sent = performance.now();
        pending.push(
          rawBrotli(`${base}${path}`).then(
            () => missTimes.push(performance.now() - sent),
            () => undefined,
          ),
        );
      }
    }
  })();
  // Writes arrive at 10/s whether or not the previous one has answered (as responders' do).
  const writeLoop = (async () => {
    for (let i = 0; performance.now() < until; i++, writes++) {
      const sent = performance.now();
      pending.push(
        admin('POST', `/incidents/${open.id}/notes`, { body: `Note ${i}: still looking.` }).then(
          () => writeTimes.push(performance.now() - sent),
          () => undefined,
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const [result] = await Promise.all([under, missLoop, writeLoop]);
  seconds += (until - started) / 1000;
  // Answers still in flight count too.
  await Promise.all(pending);
  return result;
}

try {
  const fake = await start(process.execPath, ['bench/fake-resend-server.ts'], {}, /"url":"([^"]+)"/, 1);
  const serve = serveArgs();
  let bareUrl = '';
  let alone: WrkResult | null = null;
  const rounds: { bare: WrkResult; bareAfter: WrkResult; together: WrkResult; emails: number; ratio: number }[] = [];
  /** Emails the fake provider has taken in so far. */
  const delivered = () =>
    new Promise<number>((resolve) => {
      fake.child.once('message', (m: { delivered: number }) => resolve(m.delivered));
      fake.child.send({});
    });
  for (const round of [0, 1, 2]) {
    const file = join(dir, `round-${round}.db`);
    copyFileSync(seeded, file);
    const port = await freePort();
    const env = { PORT: String(port), DATABASE_URL: `file:${file}`, CANDOR_DEMO: '0', RESEND_API_KEY: 're_bench', RESEND_BASE_URL: fake.match[1]! };
    // Up when it listens and its delivery process delivers (in either order): a round must not
    // begin while the delivery process is still loading, or no fan-out would run in it.
    const candor = await start(process.execPath, serve, env, /^(?=[\s\S]*"msg":"listening")(?=[\s\S]*"msg":"delivering")/, 0);
    const base = `http://127.0.0.1:${port}`;
    if (!bareUrl) {
      // The same bytes from a bare node:http server, on the server's core while Candor idles.
      const first = await fetch(`${base}/`, { headers: { 'accept-encoding': 'br' } });
      const brFile = join(dir, 'page.br');
      writeFileSync(brFile, await rawBrotli(`${base}/`));
      const barePort = await freePort();
      await start(process.execPath, ['bench/bare-server.ts', brFile, String(barePort), first.headers.get('content-type') ?? 'text/html', 'br'], {}, /ready/, 0);
      bareUrl = `http://127.0.0.1:${barePort}/`;
      wrkOnce(bareUrl, CONNECTIONS, BROWSER, 2);
    }
    // Each after a warm-up run (not counted).
    wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 2);
    await warmUp(base);
    alone ??= wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 10);
    const bare = wrkOnce(bareUrl, CONNECTIONS, BROWSER, 10);
    const sentBefore = await delivered();
    const together = await underEverything(base);
    // How far the fan-out went meanwhile (its emails reach the fake provider).
    const emails = (await delivered()) - sentBefore;
    const bareAfter = wrkOnce(bareUrl, CONNECTIONS, BROWSER, 10);
    const bareMean = (bare.requestsPerSec + bareAfter.requestsPerSec) / 2;
    rounds.push({ bare, bareAfter, together, emails, ratio: Math.round((together.requestsPerSec / bareMean) * 100) / 100 });
    await stop(candor.child);
    rmSync(file, { force: true });
  }
  // This VM's speed drifts within a minute, for the bare server as much as for Candor: the median round.
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[1]!;
  console.log(
    JSON.stringify({
      subscribers: SUBSCRIBERS,
      bare: median.bare,
      alone,
      together: median.together,
      ratioAlone: Math.round((alone!.requestsPerSec / rounds[0]!.bare.requestsPerSec) * 100) / 100,
      ratioTogether: median.ratio,
      rounds: rounds.map((r) => ({
        ratio: r.ratio,
        p99ms: r.together.p99ms,
        bareBefore: r.bare.requestsPerSec,
        bareAfter: r.bareAfter.requestsPerSec,
        emails: r.emails,
      })),
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
  await Promise.all([...children].map(stop));
  rmSync(dir, { recursive: true, force: true });
}

function quantile(values: number[], q: number): number {
  return Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? 0);
}

/** GET `url` as a browser asking for brotli would (on this process's keep-alive agent): the bytes as sent, not decoded. */
function rawBrotli(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers: { 'accept-encoding': 'br' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}
