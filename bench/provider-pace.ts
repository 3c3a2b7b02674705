// A 10 000-recipient fan-out against a fake provider that takes 2 requests a second (as Resend
// does by default) and says so in its RateLimit headers: how long until the last email, against
// the 50 s that rate allows, and how many requests it refused. Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../db/client.ts';
import { silentLogger } from '../api/log.ts';
import { SYSTEM_ACTOR } from '../api/services/context.ts';
import { declareIncident } from '../api/services/incidents/declare.ts';
import { Pace } from '../api/domain/outbox/pace.ts';
import { OutboxSender } from '../api/workers/outbox-sender.ts';
import { resendTransport } from '../emails/transports/resend.ts';
import { waitForLine } from '../scripts/processes.ts';
import { seedSubscribers } from '../test/helpers/db.ts';

const RECIPIENTS = Number(process.env.BENCH_PACED_RECIPIENTS ?? 10_000);
const RATE = 2;

const dir = mkdtempSync(join(tmpdir(), 'candor-pace-'));
const database = await createDb(`file:${join(dir, 'candor.db')}`);
await database.migrate();
const ctx = { database, now: () => new Date() };
await seedSubscribers(database, RECIPIENTS);
await declareIncident(ctx, SYSTEM_ACTOR, { title: 'Elevated API errors', severity: 'SEV-1', body: 'We are investigating.' });

const fake = spawn(process.execPath, ['bench/fake-resend-server.ts'], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  env: { ...process.env, BENCH_RATE_LIMIT: String(RATE) },
});
const [, url] = await waitForLine(fake, /"url":"([^"]+)"/);
const settings = { publicUrl: 'https://status.example.com', pageName: 'Acme', secret: 'bench-secret', from: 'Acme <status@example.com>' };
const pace = new Pace();
// As a server runs them: two senders, one pace.
const senders = [1, 2].map(() => new OutboxSender({ ctx, transport: resendTransport('re_bench', { baseUrl: url! }), settings, logger: silentLogger, pace }));
const started = performance.now();
await Promise.all(senders.map((s) => s.drain()));
const lastEmailMs = performance.now() - started;
const atProvider = await new Promise<{ delivered: number; unique: number; refused: number }>((resolve) => {
  fake.once('message', (m) => resolve(m as { delivered: number; unique: number; refused: number }));
  fake.send('count');
});
fake.kill();
database.close();
rmSync(dir, { recursive: true, force: true });
const idealMs = (RECIPIENTS / 100 / RATE) * 1000;
console.log(
  JSON.stringify({
    recipients: RECIPIENTS,
    rate: RATE,
    lastEmailMs: Math.round(lastEmailMs),
    idealMs,
    ratio: Math.round((lastEmailMs / idealMs) * 100) / 100,
    refused: atProvider.refused,
    delivered: atProvider.delivered,
    unique: atProvider.unique,
  }),
);
