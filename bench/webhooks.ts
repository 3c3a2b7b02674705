// Fan-out of one update to 10 000 webhook subscribers through a running server, to a local
// receiver process: how long the update takes to answer (the deliveries are enqueued in its
// transaction), how fast they are delivered, and what `/` does meanwhile (wrk at 256
// connections, against the same page with nothing else going on). Prints one JSON line.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, serveArgs, waitForLine } from '../scripts/processes.ts';
import { benchDatabase } from './seed.ts';
import { onCore, wrkInBackground, wrkOnce } from './wrk.ts';
import { seedSubscribers } from '../test/helpers/db.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SUBSCRIBERS = Number(process.env.BENCH_WEBHOOKS ?? 10_000);
const CONNECTIONS = 256;
const BROWSER = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };

const { dir, databaseUrl, database, secret } = await benchDatabase('webhooks');

const [rc, ra] = onCore(1, process.execPath, ['bench/webhook-receiver-server.ts']);
const receiver = spawn(rc, ra, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const [, receiverLine] = await waitForLine(receiver, /(\{"url":"[^"]+"\})/);
const receiverUrl = (JSON.parse(receiverLine!) as { url: string }).url;
const counts = () =>
  new Promise<{ received: number; unique: number; spanMs: number }>((resolve) => {
    receiver.once('message', (m) => resolve(m as { received: number; unique: number; spanMs: number }));
    receiver.send('count');
  });

await seedSubscribers(database, SUBSCRIBERS, { base: `${receiverUrl}/hook`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
database.close();

const serve = serveArgs();
const port = await freePort();
const [sc, sa] = onCore(0, process.execPath, serve);
const candor = spawn(sc, sa, {
  cwd: ROOT,
  env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, CANDOR_DEMO: '0', CANDOR_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await waitForLine(candor, /"msg":"listening"/, 30_000);
candor.stdout?.resume(); // its log is not read here
const base = `http://127.0.0.1:${port}`;
await fetch(`${base}/`);

try {
  // A first run opens the 256 connections (a burst of connects can cost a SYN retry of 1 s): not counted.
  wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 2);
  const quiet = wrkOnce(`${base}/`, CONNECTIONS, BROWSER, 5);
  // wrk runs for 10 s; the update lands 1 s in, and its deliveries go on under the load.
  const underLoad = wrkInBackground(`${base}/`, CONNECTIONS, BROWSER, 10);
  await new Promise((r) => setTimeout(r, 1000));
  const posted = performance.now();
  const res = await fetch(`${base}/api/admin/v1/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Elevated API errors', severity: 'SEV-1', body: 'We are investigating elevated error rates.' }),
  });
  if (res.status !== 201) throw new Error(`declaring answered ${res.status}`);
  const enqueueMs = performance.now() - posted;
  let seen = await counts();
  while (seen.received < SUBSCRIBERS) {
    if (performance.now() - posted > 120_000) throw new Error(`only ${seen.received} of ${SUBSCRIBERS} delivered in 2 minutes`);
    await new Promise((r) => setTimeout(r, 50));
    seen = await counts();
  }
  const deliveredMs = performance.now() - posted;
  const during = await underLoad;
  console.log(
    JSON.stringify({
      subscribers: SUBSCRIBERS,
      enqueueMs: Math.round(enqueueMs),
      deliveredMs: Math.round(deliveredMs),
      requestsPerSecond: Math.round((seen.received / seen.spanMs) * 1000),
      received: seen.received,
      uniqueIds: seen.unique,
      pageQuiet: quiet,
      pageDuringFanOut: during,
    }),
  );
} finally {
  candor.kill('SIGTERM');
  receiver.kill();
  rmSync(dir, { recursive: true, force: true });
}
