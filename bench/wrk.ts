// One load run with wrk (the Debian package), shared by the bench's scripts.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// With two or more cores, the server gets core 0 and the load generator core 1.
export const pinned = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
export const onCore = (core: number, cmd: string, args: string[]): [string, string[]] =>
  pinned ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];

export interface WrkResult {
  requestsPerSec: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  requests: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function wrkCommand(url: string, connections: number, headers: Record<string, string>, seconds: number | string): [string, string[]] {
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  return onCore(1, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url]);
}

/** `wrk` against `url` for `seconds` at `connections`, on the load generator's core. */
export function wrkOnce(url: string, connections: number, headers: Record<string, string>, seconds: number | string): WrkResult {
  return parse(execFileSync(...wrkCommand(url, connections, headers, seconds), { encoding: 'utf8' }));
}

/** The same, while the caller goes on (e.g. to cause the load it measures under). */
export async function wrkInBackground(url: string, connections: number, headers: Record<string, string>, seconds: number | string): Promise<WrkResult> {
  const { stdout } = await promisify(execFile)(...wrkCommand(url, connections, headers, seconds), { encoding: 'utf8' });
  return parse(stdout);
}

function parse(out: string): WrkResult {
  const errorLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    errors: non2xx + (errorLine ? errorLine.slice(1).reduce((s, n) => s + Number(n), 0) : 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
  };
}
