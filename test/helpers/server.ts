import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Database } from '../../db/client.ts';
import { createApiKey } from '../../api/services/keys/api-keys.ts';
import { exitOf } from '../../scripts/processes.ts';
import { startInstance } from '../../scripts/cluster.ts';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Every line it has printed to stdout so far (its JSON log). */
  log: string[];
  stop(): Promise<void>;
  /** Kills it and its delivery process with SIGKILL (as a machine going down would), once both are gone. */
  crash(): Promise<void>;
}

/** The processes `pid` started (a server's delivery process). */
export function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
}

/** The niceness of process `pid` (field 19 of /proc/PID/stat). */
export function niceOf(pid: number): number {
  return Number(
    readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ')[16],
  );
}

/** Whether process `pid` is still there (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The real server process (as `npm start` runs it) on a free port, without the demo unless
 * asked; returned once it serves and its delivery process sends (it prints `delivering`).
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const instance = await startInstance(0, { CANDOR_DEMO: '0', ...env });
  await within(60_000, async () => instance.log.some((l) => l.includes('"msg":"delivering"')) || instance.child.exitCode !== null);
  return {
    ...instance,
    async stop() {
      if (instance.child.exitCode === null) instance.child.kill('SIGTERM');
      await exitOf(instance.child);
    },
    async crash() {
      const running = instance.child.exitCode === null && instance.child.signalCode === null;
      const children = running ? childrenOf(instance.child.pid!) : [];
      for (const pid of children) process.kill(pid, 'SIGKILL');
      instance.child.kill('SIGKILL');
      await exitOf(instance.child);
      await within(5000, async () => !children.some(alive));
    },
  };
}

/** A temp database file with an admin key, plus an admin API client for a running server. */
export async function createSiteFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'candor-site-'));
  const databaseUrl = `file:${join(dir, 'candor.db')}`;
  const database: Database = await createDb(databaseUrl);
  await database.migrate();
  const { secret } = await createApiKey({ database, now: () => new Date() }, { name: 'test', scopes: ['admin'] });
  return {
    databaseUrl,
    database,
    /** The admin key itself (for endpoints outside the admin API, e.g. /metrics). */
    adminKey: secret,
    admin(server: RunningServer) {
      return async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.url}/api/admin/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = (await res.json().catch(() => undefined)) as any;
        if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
        return json;
      };
    },
    cleanup() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes or `timeoutMs` runs out; returns how long it took. */
export async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** After a run: a server that died, or logged an unhandled rejection, says so (the last of its log). */
export function reportTrouble(server: RunningServer): void {
  const died = server.child.exitCode !== null || server.child.signalCode !== null;
  const unhandled = server.log.filter((line) => line.includes('unhandled'));
  if (died) console.error(`the server exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.log.slice(-40).join('\n')}`);
  else if (unhandled.length) console.error(unhandled.join('\n'));
}
