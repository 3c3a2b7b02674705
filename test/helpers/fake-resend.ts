import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Delivery {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** What the next batch call answers instead of accepting; `delayMs`: accept, but answer that late. */
export type Fault =
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 }
  | { status: 422; message: string }
  | { status: 409; name: string; message: string }
  | { delayMs: number };

/**
 * A local HTTP server that speaks Resend's batch API as the real SDK uses it: bearer auth,
 * `POST /emails/batch` with up to 100 emails, `Idempotency-Key` (same key and body: the first
 * answer again, nothing sent twice; same key, other body: 409), and scripted faults.
 */
export async function startFakeResend(options: { latencyMs?: number; keepBodies?: boolean; rateLimit?: { limit: number; windowMs: number } } = {}) {
  const deliveries: Delivery[] = [];
  // Resend's rate limit, as it enforces and advertises it: N requests per fixed window, told in RateLimit headers.
  let windowStart = 0;
  let inWindow = 0;
  let refused = 0;
  const limitHeaders = (): Record<string, string> => {
    const rl = options.rateLimit;
    if (!rl) return {};
    const reset = Math.max(0, Math.ceil((windowStart + rl.windowMs - Date.now()) / 1000));
    return {
      'ratelimit-limit': String(rl.limit),
      'ratelimit-remaining': String(Math.max(0, rl.limit - inWindow)),
      'ratelimit-reset': String(reset),
      'ratelimit-policy': `${rl.limit};w=${rl.windowMs / 1000}`,
    };
  };
  const faults: Fault[] = [];
  const idempotent = new Map<string, { hash: string; body: string }>();
  let calls = 0;
  let nextId = 1;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      calls++;
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...limitHeaders(), ...headers });
        res.end(JSON.stringify(body));
      };
      if (options.rateLimit) {
        const now = Date.now();
        if (now >= windowStart + options.rateLimit.windowMs) {
          windowStart = now;
          inWindow = 0;
        }
        if (inWindow >= options.rateLimit.limit) {
          refused++;
          const wait = String(Math.max(1, Math.ceil((windowStart + options.rateLimit.windowMs - now) / 1000)));
          return reply(429, { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests' }, { 'retry-after': wait });
        }
        inWindow++;
      }
      if (req.method !== 'POST' || req.url !== '/emails/batch') return reply(404, { statusCode: 404, name: 'not_found', message: 'Not found' });
      if (!/^Bearer re_/.test(req.headers.authorization ?? '')) return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
      const raw = Buffer.concat(chunks).toString();
      const key = req.headers['idempotency-key'] as string | undefined;
      const hash = createHash('sha256').update(raw).digest('hex');
      const fault = faults.shift();
      if (fault && !('delayMs' in fault)) {
        const body = {
          statusCode: fault.status,
          name:
            'name' in fault ? fault.name : fault.status === 429 ? 'rate_limit_exceeded' : fault.status === 422 ? 'validation_error' : 'internal_server_error',
          message: 'message' in fault ? fault.message : 'fault',
        };
        return reply(fault.status, body, fault.status === 429 && fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      }
      if (key && idempotent.has(key)) {
        const first = idempotent.get(key)!;
        if (first.hash !== hash)
          return reply(409, { statusCode: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key used with a different request payload.' });
        return reply(200, JSON.parse(first.body));
      }
      const emails = JSON.parse(raw) as { from: string; to: string[]; subject: string; html: string; text: string; headers?: Record<string, string> }[];
      if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100)
        return reply(422, { statusCode: 422, name: 'validation_error', message: 'between 1 and 100 emails' });
      // Accepted: recorded now, answered after the latency (a client that dies meanwhile still had its emails sent).
      const ids = emails.map(() => `fake-${nextId++}`);
      // A benchmark sends 100 000 emails: keeping only the recipient keeps the fake small.
      const keep = options.keepBodies ?? true;
      for (const e of emails)
        deliveries.push(
          keep ? { to: e.to[0]!, from: e.from, subject: e.subject, html: e.html, text: e.text, headers: e.headers ?? {} } : ({ to: e.to[0]! } as Delivery),
        );
      const body = JSON.stringify({ data: ids.map((id) => ({ id })) });
      if (key) idempotent.set(key, { hash, body });
      const latency = fault && 'delayMs' in fault ? fault.delayMs : options.latencyMs;
      if (latency) await new Promise((r) => setTimeout(r, latency));
      reply(200, JSON.parse(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    get calls() {
      return calls;
    },
    /** Requests refused for going over the rate limit. */
    get refused() {
      return refused;
    },
    fail(...next: Fault[]) {
      faults.push(...next);
    },
    /** Drops the faults still waiting: the provider takes batches again. */
    recover() {
      faults.length = 0;
    },
    perRecipient(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const d of deliveries) counts.set(d.to, (counts.get(d.to) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type FakeResend = Awaited<ReturnType<typeof startFakeResend>>;
