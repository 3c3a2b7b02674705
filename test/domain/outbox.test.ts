import { describe, expect, test } from 'vitest';
import { decideFailure, MAX_ATTEMPTS, retryAfterSeconds, RETRY_POLICY } from '../../api/domain/outbox/delivery.ts';
import { nextWindow, SUBSCRIBE_LIMIT } from '../../api/domain/rate-limit.ts';

describe('decideFailure', () => {
  test.each([
    ['429 is retried', { status: 429, message: 'slow down' }, 1, 0.5, { retry: true, delayMs: 1000 }],
    ['429 honours Retry-After when longer than the backoff', { status: 429, message: 'x', retryAfterSeconds: 30 }, 1, 0.5, { retry: true, delayMs: 30_000 }],
    ['500 is retried with exponential backoff', { status: 500, message: 'x' }, 3, 1, { retry: true, delayMs: RETRY_POLICY.baseMs * 4 }],
    ['503 full jitter can be immediate', { status: 503, message: 'x' }, 2, 0, { retry: true, delayMs: 0 }],
    ['no answer (timeout) is retried', { status: null, message: 'timeout' }, 1, 1, { retry: true, delayMs: RETRY_POLICY.baseMs }],
    ['backoff is capped', { status: 502, message: 'x' }, 11, 1, { retry: true, delayMs: RETRY_POLICY.maxMs }],
    ['422 (invalid address) is final', { status: 422, message: 'invalid to' }, 1, 0.5, { retry: false, reason: '422: invalid to' }],
    ['401 is final', { status: 401, message: 'bad key' }, 1, 0.5, { retry: false, reason: '401: bad key' }],
    [
      'too many attempts is final',
      { status: 500, message: 'x' },
      MAX_ATTEMPTS,
      0.5,
      { retry: false, reason: `gave up after ${MAX_ATTEMPTS} attempts; last: 500: x` },
    ],
  ] as const)('%s', (_, failure, attempts, random, expected) => {
    expect(decideFailure(failure, attempts, random)).toEqual(expected);
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
