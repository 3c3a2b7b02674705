import { describe, expect, test } from 'vitest';
import { emailTemplate, eventKey, statementPeriodOf, type OutboxEvent } from '../../api/domain/outbox/events.ts';
import { decideFailure, retryAfterSeconds, RETRY_POLICY } from '../../api/domain/outbox/delivery.ts';
import { nextWindow, SUBSCRIBE_LIMIT } from '../../api/domain/rate-limit.ts';

describe('decideFailure', () => {
  const HOUR = 60 * 60_000;
  test.each([
    ['429 is retried', { status: 429, message: 'slow down' }, 1, 0, 0.5, { retry: true, delayMs: 1000 }],
    ['429 honours Retry-After when longer than the backoff', { status: 429, message: 'x', retryAfterSeconds: 30 }, 1, 0, 0.5, { retry: true, delayMs: 30_000 }],
    ['500 is retried with exponential backoff', { status: 500, message: 'x' }, 3, 0, 1, { retry: true, delayMs: RETRY_POLICY.baseMs * 4 }],
    ['503 full jitter can be immediate', { status: 503, message: 'x' }, 2, 0, 0, { retry: true, delayMs: 0 }],
    ['no answer (timeout) is retried', { status: null, message: 'timeout' }, 1, 0, 1, { retry: true, delayMs: RETRY_POLICY.baseMs }],
    ['backoff is capped', { status: 502, message: 'x' }, 11, 0, 1, { retry: true, delayMs: RETRY_POLICY.maxMs }],
    [
      'a key still in progress is retried',
      { status: 409, message: 'in progress', code: 'concurrent_idempotent_requests' },
      1,
      0,
      1,
      { retry: true, delayMs: 2000 },
    ],
    [
      'a key reused for other content is final',
      { status: 409, message: 'same key, other payload', code: 'invalid_idempotent_request' },
      1,
      0,
      0.5,
      { retry: false, reason: "409: same key, other payload (the provider already took this batch's key for other content)" },
    ],
    ['422 (invalid address) is final', { status: 422, message: 'invalid to' }, 1, 0, 0.5, { retry: false, reason: '422: invalid to' }],
    ['401 is final', { status: 401, message: 'bad key' }, 1, 0, 0.5, { retry: false, reason: '401: bad key' }],
    ['a blocked webhook address is final', { status: null, message: 'private', permanent: true }, 1, 0, 0.5, { retry: false, reason: 'private' }],
    ['still within the horizon', { status: 500, message: 'x' }, 40, 23 * HOUR, 1, { retry: true, delayMs: RETRY_POLICY.maxMs }],
    [
      'past the horizon is final',
      { status: 500, message: 'x' },
      41,
      24 * HOUR - 60_000,
      1,
      { retry: false, reason: 'gave up after 41 attempts over 1439 min; last: 500: x' },
    ],
  ] as const)('%s', (_, failure, attempts, queuedMs, random, expected) => {
    expect(decideFailure(failure, { attempts, queuedMs }, random)).toEqual(expected);
  });

  test('the horizon is the policy’s', () => {
    expect(decideFailure({ status: 500, message: 'x' }, { attempts: 1, queuedMs: 0 }, 1, { ...RETRY_POLICY, horizonMs: 1000 })).toMatchObject({ retry: false });
  });
});

describe('retryAfterSeconds', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  test.each([
    [null, null],
    ['', null],
    ['7', 7],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['nonsense', null],
  ])('%s → %s', (header, expected) => {
    expect(retryAfterSeconds(header, now)).toBe(expected);
  });
});

describe('rate limit windows', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  test.each([
    ['first request opens a window', null, at(0), { count: 1, allowed: true, windowStart: t0 }],
    ['the limit itself is allowed', { windowStart: t0, count: SUBSCRIBE_LIMIT.limit - 1 }, at(1000), { count: SUBSCRIBE_LIMIT.limit, allowed: true }],
    ['one over is refused', { windowStart: t0, count: SUBSCRIBE_LIMIT.limit }, at(1000), { count: SUBSCRIBE_LIMIT.limit + 1, allowed: false }],
    ['a new window starts over', { windowStart: t0, count: 99 }, at(SUBSCRIBE_LIMIT.windowMs), { count: 1, allowed: true }],
  ] as const)('%s', (_, current, now, expected) => {
    expect(nextWindow(current, now)).toMatchObject(expected);
  });

  test('Retry-After says when the window ends', () => {
    expect(nextWindow({ windowStart: t0, count: 5 }, at(SUBSCRIBE_LIMIT.windowMs - 10_000)).retryAfterSeconds).toBe(10);
  });
});

describe('outbox event keys: what makes two events the same', () => {
  const at = new Date('2026-11-24T02:00:00Z');
  test.each([
    [{ kind: 'incident_update', updateId: 'u1' }, 'incident_update:u1'],
    [{ kind: 'maintenance', maintenanceId: 'm1', email: 'started', updateId: 'u2', scheduledFor: at }, 'maintenance:m1:started'],
    [{ kind: 'maintenance', maintenanceId: 'm1', email: 'reminder', updateId: null, scheduledFor: at }, `maintenance:m1:reminder:${at.getTime()}`],
    [{ kind: 'maintenance', maintenanceId: 'm1', email: 'update', updateId: 'u3', scheduledFor: at }, 'maintenance_update:u3'],
    [{ kind: 'confirm', subscriberId: 's1', tokenHash: 'abcdef0123456789ffff' }, 'confirm:s1:abcdef0123456789'],
    [{ kind: 'customer_notice', incidentId: 'i1' }, 'customer_notice:i1'],
    [{ kind: 'customer_resolution', incidentId: 'i1', reopenCount: 1 }, 'customer_resolution:i1:1'],
    [
      { kind: 'statement', customerId: 'c1', from: new Date('2026-10-26T00:00:00Z'), to: new Date('2026-11-26T00:00:00Z') },
      'statement:c1:2026-10-26..2026-11-26',
    ],
    [{ kind: 'notice', key: 'reminder:i1:123' }, 'notice:reminder:i1:123'],
  ] as [OutboxEvent, string][])('%j → %s', (event, key) => {
    expect(eventKey(event)).toBe(key);
  });

  test('a statement key gives back its period; an unknown template name is refused', () => {
    expect(statementPeriodOf('statement:c1:2026-10-26..2026-11-26')).toEqual({ from: new Date('2026-10-26T00:00:00Z'), to: new Date('2026-11-26T00:00:00Z') });
    expect(emailTemplate('customer-statement')).toBe('customer-statement');
    expect(() => emailTemplate('newsletter')).toThrow('unknown email template newsletter');
  });
});
