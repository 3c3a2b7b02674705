// Fan-out of one incident update to 100 000 subscribers: the enqueue (one set-based INSERT in
// the update's transaction), then rendering and handing every email to a local fake of
// Resend's API through the real SDK. Prints one JSON line; bench/run.ts runs it as a child.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../db/client.ts';
import { silentLogger } from '../api/log.ts';
import { SYSTEM_ACTOR } from '../api/services/context.ts';
import { declareIncident } from '../api/services/incidents/declare.ts';
import { keptEventEmail, outboxCounts } from '../api/services/outbox/delivery.ts';
import { subscriberLinks } from '../api/services/subscribers/links.ts';
import { personalise } from '../emails/personalise.ts';
import { outboxEvents, subscribers } from '../db/schema/index.ts';
import { OutboxSender } from '../api/workers/outbox-sender.ts';
import { resendTransport } from '../emails/transports/resend.ts';
import { spawn } from 'node:child_process';
import { waitForLine } from '../scripts/processes.ts';
import { seedSubscribers } from '../test/helpers/db.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
// As many senders as a server process runs.
const CONCURRENCY = Number(process.env.BENCH_SENDERS ?? 2);

let peakRss = 0;
let peakHeap = 0;
const sample = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
}, 50);

const dir = mkdtempSync(join(tmpdir(), 'candor-fanout-'));
const database = await createDb(`file:${join(dir, 'candor.db')}`);
await database.migrate();
const ctx = { database, now: () => new Date() };
await seedSubscribers(database, SUBSCRIBERS);

const enqueueStarted = performance.now();
await declareIncident(ctx, SYSTEM_ACTOR, { title: 'Elevated API errors', severity: 'SEV-1', body: 'We are investigating elevated error rates on the API.' });
const enqueueMs = performance.now() - enqueueStarted;

const fake = spawn(process.execPath, ['bench/fake-resend-server.ts'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const [, url] = await waitForLine(fake, /"url":"([^"]+)"/);
const delivered = () =>
  new Promise<{ delivered: number; unique: number }>((resolve) => {
    fake.once('message', (m) => resolve(m as { delivered: number; unique: number }));
    fake.send('count');
  });
const settings = { publicUrl: 'https://status.example.com', pageName: 'Acme', secret: 'bench-secret', from: 'Acme <status@example.com>' };
const senders = Array.from(
  { length: CONCURRENCY },
  () => new OutboxSender({ ctx, transport: resendTransport('re_bench', { baseUrl: url! }), settings, logger: silentLogger }),
);
const sendStarted = performance.now();
const cpuStarted = process.cpuUsage();
await Promise.all(senders.map((s) => s.drain()));
const sendMs = performance.now() - sendStarted;
// Candor's own cost, apart from the time spent waiting on the (fake) provider.
const cpu = process.cpuUsage(cpuStarted);
const cpuMs = (cpu.user + cpu.system) / 1000;
const counts = await outboxCounts(ctx);
clearInterval(sample);

// DESIGN's rendering figure: the event's email is compiled once (kept), then personalised for
// every recipient as the sender does for each row (their links, the HTML and text filled in),
// apart from claiming rows, the provider's SDK and the HTTP call.
const [event] = await database.db.select({ eventKey: outboxEvents.eventKey }).from(outboxEvents);
const { from: _, ...email } = await keptEventEmail<Parameters<typeof personalise>[0] & { from: string }>(ctx, event!.eventKey, () =>
  Promise.reject(new Error('the fan-out kept no email')),
);
const recipients = await database.db.select({ id: subscribers.id, tokenVersion: subscribers.tokenVersion, email: subscribers.email }).from(subscribers);
const personaliseStarted = performance.now();
let personalisedBytes = 0;
for (const r of recipients) personalisedBytes += personalise(email, { email: r.email, ...subscriberLinks(settings, r) }).html.length;
const personaliseMs = performance.now() - personaliseStarted;
const atProvider = await delivered();
fake.kill();
database.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    subscribers: SUBSCRIBERS,
    enqueueMs: Math.round(enqueueMs),
    sendMs: Math.round(sendMs),
    emailsPerSecond: Math.round((counts.sent / sendMs) * 1000),
    emailsPerCpuSecond: Math.round((counts.sent / cpuMs) * 1000),
    personalisedPerSecond: Math.round((recipients.length / personaliseMs) * 1000),
    personalisedMb: Math.round(personalisedBytes / 1024 / 1024),
    sent: counts.sent,
    delivered: atProvider.delivered,
    uniqueRecipients: atProvider.unique,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    peakHeapMb: Math.round(peakHeap / 1024 / 1024),
  }),
);
