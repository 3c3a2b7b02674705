// `npm run cluster`: Candor as production runs it, on one machine — a libSQL server (sqld),
// several Candor instances on it, and nginx in front (deploy/nginx.conf). See docs/deploy.md.
//
//   npm run cluster -- [--instances 3] [--port 4320] [--replicas] [--dir ./data/cluster]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exitOf, freePort, ROOT, serveArgs, startSqld, waitForLine, type Sqld } from './processes.ts';

export interface ClusterOptions {
  /** Where sqld's data, the replicas, nginx's config and the outbox go. */
  dir: string;
  /** The load balancer's port: the public address is http://127.0.0.1:PORT. */
  port: number;
  instances: number;
  /** Each instance keeps an embedded replica of the primary (reads local, writes to sqld). */
  replicas: boolean;
  /** More environment for every instance (e.g. CANDOR_DEMO=0). */
  env?: Record<string, string>;
}

export interface Instance {
  url: string;
  child: ChildProcess;
  /** Every line it printed to stdout (its JSON log). */
  log: string[];
}

export interface Cluster {
  /** The public address (nginx). */
  url: string;
  /** The primary (replaceable: a test may stop it and start another on its port and data). */
  sqld: Sqld;
  instances: Instance[];
  nginx: ChildProcess;
  stop(): Promise<void>;
}

/** Starts sqld, then the instances together (as a deploy would), then nginx in front of them. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const started: Instance[] = [];
  const cluster: Cluster = {
    url: `http://127.0.0.1:${options.port}`,
    sqld: await startSqld({ dir: join(dir, 'sqld') }),
    instances: [],
    nginx: undefined as unknown as ChildProcess,
    async stop() {
      cluster.nginx?.kill('SIGQUIT');
      await Promise.all(
        started.map((i) => {
          i.child.kill('SIGTERM');
          return exitOf(i.child);
        }),
      );
      if (cluster.nginx) await exitOf(cluster.nginx);
      await cluster.sqld.stop();
    },
  };
  try {
    const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
    await Promise.all(
      ports.map(async (port, n) => {
        const instance = await startInstance(port, {
          DATABASE_URL: cluster.sqld.wsUrl,
          CANDOR_PUBLIC_URL: cluster.url,
          CANDOR_TRUST_PROXY: '1',
          CANDOR_OUTBOX_DIR: join(dir, 'outbox'),
          ...(options.replicas && { DATABASE_REPLICA_FILE: join(dir, `replica-${n + 1}`, 'candor.db') }),
          ...options.env,
        });
        started.push(instance);
      }),
    );
    cluster.instances = ports.map((p) => started.find((i) => i.url.endsWith(`:${p}`))!);
    cluster.nginx = await startNginx(dir, options.port, ports);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** One Candor process on `port`, started as `npm run serve` starts it (the same Node flags), ready when it listens. */
export async function startInstance(port: number, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, serveArgs(), {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    log.push(...lines);
  });
  // Errors (the JSON log's error lines, and anything a crash prints) go to the terminal when run by hand.
  child.stderr!.on('data', (chunk: Buffer) => (import.meta.main ? process.stderr.write(chunk) : log.push(chunk.toString())));
  const [, url] = await waitForLine(child, /"msg":"listening","url":"(http:\/\/[^"]+)"/, 60_000);
  return { url: url!, child, log };
}

/** nginx from the system (Debian's `nginx`), with deploy/nginx.conf in front of the instances. */
async function startNginx(dir: string, port: number, ports: number[]): Promise<ChildProcess> {
  const site = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8')
    .replace('listen LISTEN;', `listen 127.0.0.1:${port};`)
    .replace(/ *# SERVERS[^\n]*\n(?: *#[^\n]*\n)*/, ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;\n`).join(''));
  const prefix = join(dir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${site}
}
`,
  );
  const child = spawn(nginxBinary(), ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${errors}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer in 10 s: ${errors}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function nginxBinary(): string {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error('nginx not found: install it (Debian: apt-get install nginx)');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      port: { type: 'string', default: '4320' },
      replicas: { type: 'boolean', default: false },
      dir: { type: 'string', default: './data/cluster' },
    },
  });
  const cluster = await startCluster({ dir: values.dir, port: Number(values.port), instances: Number(values.instances), replicas: values.replicas });
  console.log(`Candor: ${cluster.url} (nginx) → ${cluster.instances.map((i) => i.url).join(', ')}; sqld ${cluster.sqld.url}${values.replicas ? ', each with a replica' : ''}`);
  console.log('Ctrl-C stops everything.');
  const shutdown = () => void cluster.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
