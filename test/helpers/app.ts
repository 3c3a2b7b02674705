import { createApp } from '../../api/app.ts';
import { silentLogger, type Logger } from '../../api/log.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { createApiKey } from '../../api/services/keys/api-keys.ts';
import { createTestDb } from './db.ts';
import { OutboxSender } from '../../api/workers/outbox-sender.ts';
import { resendTransport } from '../../emails/transports/resend.ts';
import type { FakeResend } from './fake-resend.ts';
import type { RetryPolicy } from '../../api/domain/outbox/delivery.ts';

const BASE = '/api/admin/v1';

/** A clock the test moves by hand. */
function testClock(start = new Date('2026-11-02T10:00:00Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(d: Date) {
      now = d.getTime();
    },
  };
}

export const MINUTE = 60_000;

// A 500 in a test prints its cause; everything else stays quiet.
const errorsOnly: Logger = { info() {}, error: (msg, fields) => console.error(msg, fields) };

export interface CallOptions {
  body?: unknown;
  key?: string | null;
  headers?: Record<string, string>;
}

/** The real Hono app on a real temp-file database, with keys of each scope. */
export async function createTestApp() {
  const { database, cleanup, url } = await createTestDb();
  const clock = testClock();
  const ctx: ServiceContext = { database, now: clock.now };
  const subscriptions = { publicUrl: 'https://status.example.com', pageName: 'Acme', secret: 'test-secret' };
  const app = createApp({ ctx, logger: errorsOnly, subscriptions: async () => subscriptions, trustProxy: true });
  const keyFor = async (name: string, scopes: string[]) => (await createApiKey(ctx, { name, scopes })).secret;
  const keys = {
    admin: await keyFor('admin', ['admin']),
    writer: await keyFor('responder', ['incidents:write']),
    reader: await keyFor('dashboard', ['read']),
  };

  /** A request outside the admin API (public endpoints), as a browser or mail client sends it. */
  async function publicCall(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
    const res = await app.request(path, { method, body: init.body, headers: init.headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  }

  async function call(method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? keys.admin : options.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(`${BASE}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  }

  return { app, ctx, database, url, clock, keys, call, publicCall, subscriptions, cleanup };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** An outbox sender for a test app, through the real resend SDK to the local fake. */
export function senderTo(
  resend: FakeResend,
  app: Pick<TestApp, 'ctx' | 'subscriptions'>,
  options: { timeoutMs?: number; random?: () => number; retryPolicy?: RetryPolicy } = {},
) {
  return new OutboxSender({
    ctx: app.ctx,
    transport: resendTransport('re_test_key', { baseUrl: resend.url, timeoutMs: options.timeoutMs }),
    settings: { ...app.subscriptions, from: 'Acme Status <status@example.com>' },
    logger: silentLogger,
    random: options.random,
    retryPolicy: options.retryPolicy,
  });
}
