import { describe, expect, test } from 'vitest';
import { billingPeriod, creditFor, customerAvailability, DEMO_PLANS, validateTerms } from '../../api/domain/availability/sla.ts';
import { availability, DEFAULT_DOWNTIME_WEIGHTS, formatUptime, type StatusInterval } from '../../api/domain/availability/uptime.ts';

const premium = DEMO_PLANS.find((p) => p.name === 'Premium')!;
const enterprise = DEMO_PLANS.find((p) => p.name === 'Enterprise')!;

describe('creditFor (Premium: <99.9 → 10, <99.0 → 25, <95.0 → 100)', () => {
  test.each([
    [100, 0],
    [99.95, 0],
    [99.9, 0], // exactly at the threshold: not below
    [99.8999, 10],
    [99.0, 10],
    [98.99, 25],
    [95.0, 25],
    [94.99, 100],
    [0, 100],
  ])('%d %% → %d %% credit', (a, credit) => {
    expect(creditFor(a, premium).credit).toBe(credit);
  });

  test('the cap limits the credit (Enterprise caps at 50)', () => {
    expect(creditFor(90, enterprise)).toEqual({ step: { below: 99.0, credit: 50 }, credit: 50 });
    expect(creditFor(90, { ladder: [{ below: 99, credit: 100 }], cap: 30 }).credit).toBe(30);
  });
});

describe('validateTerms', () => {
  test('the demo plans are valid', () => {
    for (const p of DEMO_PLANS) expect(validateTerms(p)).toEqual([]);
  });
  test.each([
    ['target 0', { target: 0 }, 'target'],
    ['target over 100', { target: 100.1 }, 'target'],
    ['negative cap', { cap: -1 }, 'cap'],
    [
      'ladder not descending',
      {
        ladder: [
          { below: 99, credit: 10 },
          { below: 99.5, credit: 20 },
        ],
      },
      'ladder[1].below',
    ],
    ['credit over 100', { ladder: [{ below: 99, credit: 120 }] }, 'ladder[0].credit'],
    ['weight over 1', { weights: { ...DEFAULT_DOWNTIME_WEIGHTS, partial_outage: 2 } }, 'weights.partial_outage'],
  ] as const)('%s is refused', (_, change, path) => {
    expect(validateTerms({ ...premium, ...(change as Partial<typeof premium>) }).map((e) => e.path)).toContain(path);
  });
});

describe('billing periods (UTC)', () => {
  test.each([
    ['calendar month', new Date('2026-03-15T12:00:00Z'), null, '2026-03-01', '2026-04-01'],
    ['first instant of a month', new Date('2026-03-01T00:00:00Z'), null, '2026-03-01', '2026-04-01'],
    ['anchor day 15, after it', new Date('2026-03-20T00:00:00Z'), 15, '2026-03-15', '2026-04-15'],
    ['anchor day 15, before it', new Date('2026-03-10T00:00:00Z'), 15, '2026-02-15', '2026-03-15'],
    ['anchor day 31 in February', new Date('2026-02-28T12:00:00Z'), 31, '2026-02-28', '2026-03-31'],
  ] as const)('%s', (_, at, anchor, from, to) => {
    const p = billingPeriod(at, anchor);
    expect([p.from.toISOString().slice(0, 10), p.to.toISOString().slice(0, 10)]).toEqual([from, to]);
  });
});

describe('customer availability from the timeline', () => {
  const march = [new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z')] as const;
  const iv = (status: StatusInterval['status'], from: string, to: string | null): StatusInterval => ({
    status,
    startedAt: new Date(from),
    endedAt: to ? new Date(to) : null,
  });

  test('an outage spanning the month boundary counts only its part in the month', () => {
    const intervals = [
      iv('operational', '2026-02-01T00:00:00Z', '2026-02-28T23:00:00Z'),
      iv('major_outage', '2026-02-28T23:00:00Z', '2026-03-01T01:00:00Z'),
      iv('operational', '2026-03-01T01:00:00Z', null),
    ];
    const a = availability(intervals, ...march);
    expect(a.downtimeMs).toBe(3_600_000);
    expect(formatUptime(a.uptime!)).toBe('99.86');
  });

  test('overlapping incidents on one component are one interval at the worst status: not double-counted', () => {
    // The timeline holds the displayed (worst) status, so two incidents at once are one stretch.
    const intervals = [
      iv('major_outage', '2026-03-10T00:00:00Z', '2026-03-10T02:00:00Z'),
      iv('operational', '2026-03-10T02:00:00Z', null),
      iv('operational', '2026-03-01T00:00:00Z', '2026-03-10T00:00:00Z'),
    ];
    expect(availability(intervals, ...march).downtimeMs).toBe(2 * 3_600_000);
  });

  // [measured, downtime] per component (minutes) → availability and the downtime stated with it.
  test.each([
    [
      'worst: the worst component, with its own downtime',
      [
        [1000, 1],
        [1000, 5],
      ],
      'worst',
      0.995,
      5,
    ],
    [
      'mean of equal measured time',
      [
        [1000, 1],
        [1000, 5],
      ],
      'mean',
      0.997,
      3,
    ],
    [
      'mean weighted by measured time: a component measured a tenth as long weighs a tenth',
      [
        [100, 5],
        [1000, 0],
      ],
      'mean',
      1 - 5 / 1100,
      2.5,
    ],
    [
      'an unmeasured component does not count',
      [
        [0, 0],
        [1000, 2],
      ],
      'worst',
      0.998,
      2,
    ],
    ['nothing measured', [[0, 0]], 'worst', null, 0],
  ] as const)('%s', (_, values, mode, expected, downtime) => {
    const result = customerAvailability(
      values.map(([measuredMs, downtimeMs]) => ({ measuredMs, downtimeMs })),
      mode,
    );
    if (expected === null) expect(result.availability).toBeNull();
    else expect(result.availability).toBeCloseTo(expected, 10);
    expect(result.downtimeMs).toBeCloseTo(downtime, 10);
  });
});
