// `POST /api/admin/v1/subscribers/import` with 100 000 CSV rows (every third needing a
// confirmation email, every other one filtered to a component) in one request, against a
// running server: how long until it answers, and how long a visitor of `/` waited meanwhile.
// Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../db/client.ts';
import { createApiKey } from '../api/services/keys/api-keys.ts';
import { exitOf, freePort, waitForLine } from '../scripts/processes.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'candor-import-'));
const databaseUrl = `file:${join(dir, 'candor.db')}`;
const database = await createDb(databaseUrl);
await database.migrate();
const { secret } = await createApiKey({ database, now: () => new Date() }, { name: 'bench', scopes: ['admin'] });
database.close();
const port = await freePort();
const server = spawn(process.execPath, ['api/server.ts'], {
  cwd: ROOT,
  env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, CANDOR_DEMO: '0', CANDOR_OUTBOX_DIR: join(dir, 'outbox') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await waitForLine(server, /"msg":"listening"/, 30_000);
server.stdout?.resume();
const api = `http://127.0.0.1:${port}/api/admin/v1`;
const headers = { authorization: `Bearer ${secret}` };
const component = (await (
  await fetch(`${api}/components`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'API' }) })
).json()) as { id: string };
const lines = Array.from({ length: ROWS }, (_, i) => `user${String(i).padStart(6, '0')}@example.com,${i % 2 ? component.id : ''},${i % 3 ? 'true' : 'false'}`);
const csv = `email,component_ids,confirmed\n${lines.join('\n')}\n`;
// Meanwhile a visitor asks for `/` again 20 ms after each answer: how long the page is held up.
let importing = true;
const pageMs: number[] = [];
const visitor = (async () => {
  while (importing) {
    const started = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    pageMs.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
try {
  const started = performance.now();
  const res = await fetch(`${api}/subscribers/import`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv });
  const answer = await res.json();
  const ms = performance.now() - started;
  importing = false;
  await visitor;
  const page = { answers: pageMs.length, slowestMs: Math.round(Math.max(...pageMs)) };
  console.log(JSON.stringify({ rows: ROWS, bytes: Buffer.byteLength(csv), status: res.status, answer, ms: Math.round(ms), page }));
} finally {
  server.kill('SIGTERM');
  await exitOf(server);
  rmSync(dir, { recursive: true, force: true });
}
