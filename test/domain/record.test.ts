import { describe, expect, test } from 'vitest';
import { periodFigures, minutesUp, type ComponentRecord } from '../../api/domain/availability/period.ts';
import { DEFAULT_DOWNTIME_WEIGHTS, type StatusInterval } from '../../api/domain/availability/uptime.ts';
import { validateTerms, type SlaTerms } from '../../api/domain/availability/sla.ts';
import { checkOperatorDate } from '../../api/domain/dates.ts';
import { DEFAULT_CADENCE_POLICY, owesCustomerEmails, updateOverdue } from '../../api/domain/incident/cadence.ts';
import { checkImpactOverride, checkInternalComponents, checkStaysPublic, impactOf, publication } from '../../api/domain/incident/lifecycle.ts';
import { completionBody } from '../../api/domain/maintenance/lifecycle.ts';
import { Conflict } from '../../api/domain/errors.ts';

const at = (s: string) => new Date(`2026-11-${s}Z`);

/** 99.9 % → 10 %, 99.0 % → 25 %, two days' notice for maintenance, the worst component. */
const PREMIUM: SlaTerms = {
  target: 99.9,
  ladder: [
    { below: 99.9, credit: 10 },
    { below: 99, credit: 25 },
  ],
  cap: 100,
  weights: DEFAULT_DOWNTIME_WEIGHTS,
  maintenanceNoticeHours: 48,
  aggregate: 'worst',
};

describe('publication: once public, always public', () => {
  test.each([
    ['SEV-1 is public from now', null, 'SEV-1', false, at('02T10:00:00')],
    ['an internal SEV-3 stays internal', null, 'SEV-3', false, null],
    ['a customer-visible SEV-3 is public from now', null, 'SEV-3', true, at('02T10:00:00')],
    ['SEV-4 is never published by itself', null, 'SEV-4', true, null],
    ['a published incident downgraded to SEV-4 keeps its publication', at('01T09:00:00'), 'SEV-4', false, at('01T09:00:00')],
  ] as const)('%s', (_, published, severity, visible, expected) => {
    expect(publication(published, severity, visible, at('02T10:00:00'))).toEqual(expected);
  });

  test('making a published incident internal is a conflict; an unpublished one may change freely', () => {
    expect(() => checkStaysPublic(at('01T09:00:00'), false)).toThrow(Conflict);
    expect(() => checkStaysPublic(at('01T09:00:00'), true)).not.toThrow();
    expect(() => checkStaysPublic(null, false)).not.toThrow();
  });

  test.each([
    ['public: anything goes', true, [{ status: 'major_outage' }], []],
    ['internal: operational is no change the page shows', false, [{ status: 'operational' }], []],
    ['internal: an outage is refused, by field', false, [{ status: 'operational' }, { status: 'partial_outage' }], ['components[1].status']],
  ] as const)('%s', (_, isPublic, components, paths) => {
    expect(checkInternalComponents(isPublic, [...components]).map((e) => e.path)).toEqual(paths);
  });
});

describe('stated impact never below what the components show', () => {
  test.each([
    ['severity alone', 'SEV-2', null, [], 'major'],
    ['a major outage raises a SEV-3', 'SEV-3', null, ['major_outage'], 'critical'],
    ['an override raises', 'SEV-3', 'critical', ['degraded_performance'], 'critical'],
    ['an override below the components is lifted to them', 'SEV-1', 'none', ['partial_outage'], 'major'],
    ['maintenance implies no impact', 'SEV-4', null, ['under_maintenance'], 'none'],
  ] as const)('%s', (_, severity, override, held, expected) => {
    expect(impactOf(severity, override, [...held])).toBe(expected);
  });

  test.each([
    ['none on a major outage', 'none', ['major_outage'], ['impact_override']],
    ['minor on a degraded component', 'minor', ['degraded_performance'], []],
    ['no override', null, ['major_outage'], []],
  ] as const)('override %s', (_, override, held, paths) => {
    expect(checkImpactOverride(override, [...held]).map((e) => e.path)).toEqual(paths);
  });
});

describe('policy-driven rules', () => {
  test.each([
    ['SEV-1 published', 'SEV-1', true, true],
    ['SEV-2 published', 'SEV-2', true, true],
    ['SEV-3 published (no customer_email_minutes by default)', 'SEV-3', true, false],
    ['SEV-1 not published', 'SEV-1', false, false],
  ] as const)('customer emails owed: %s', (_, severity, published, expected) => {
    expect(owesCustomerEmails(severity, published, DEFAULT_CADENCE_POLICY)).toBe(expected);
  });

  test('a policy that sets SEV-3 customer emails is honoured', () => {
    const policy = {
      ...DEFAULT_CADENCE_POLICY,
      severities: { ...DEFAULT_CADENCE_POLICY.severities, 'SEV-3': { ...DEFAULT_CADENCE_POLICY.severities['SEV-3'], customerEmailMinutes: 240 } },
    };
    expect(owesCustomerEmails('SEV-3', true, policy)).toBe(true);
  });

  test.each([
    ['before the deadline', at('02T10:29:59'), false],
    ['at the deadline', at('02T10:30:00'), false],
    ['after it', at('02T10:30:01'), true],
  ] as const)('overdue %s', (_, now, expected) => {
    expect(updateOverdue(at('02T10:30:00'), now)).toBe(expected);
  });
});

describe('operator dates', () => {
  const now = at('26T10:00:00');
  test.each([
    ['a typo in the year', new Date('0202-11-26T10:00:00Z'), false, ['must be no more than 366 days before now (2026-11-26T10:00:00.000Z)']],
    ['exactly 366 days back', new Date('2025-11-25T10:00:00Z'), false, []],
    ['an impact start in the future', new Date('2026-11-26T10:00:01Z'), false, ['must not be in the future (now is 2026-11-26T10:00:00.000Z)']],
    ['maintenance far ahead', new Date('2028-01-01T00:00:00Z'), true, ['must be no more than 366 days after now (2026-11-26T10:00:00.000Z)']],
    ['maintenance next month', new Date('2026-12-26T00:00:00Z'), true, []],
  ] as const)('%s', (_, date, future, messages) => {
    expect(checkOperatorDate(date, now, 'x', { future }).map((e) => e.message)).toEqual(messages);
  });
});

describe('plans that contradict themselves', () => {
  test.each([
    ['a valid plan', {}, []],
    ['a step above the target', { target: 99 }, ['ladder[0].below']],
    [
      'a deeper breach earning less',
      {
        ladder: [
          { below: 99.9, credit: 25 },
          { below: 99, credit: 10 },
        ],
      },
      ['ladder[1].credit'],
    ],
    ['a credit above the cap', { cap: 20 }, ['ladder[1].credit']],
    [
      'equal credits are allowed',
      {
        ladder: [
          { below: 99.9, credit: 10 },
          { below: 99, credit: 10 },
        ],
      },
      [],
    ],
    ['negative notice', { maintenanceNoticeHours: -1 }, ['maintenance_notice_hours']],
  ] as [string, Partial<SlaTerms>, string[]][])('%s', (_, change, paths) => {
    expect(validateTerms({ ...PREMIUM, ...change }).map((e) => e.path)).toEqual(paths);
  });
});

describe('the clock’s completion words', () => {
  test.each([
    [
      'all released',
      [{ name: 'API', status: 'under_maintenance' }],
      'The scheduled maintenance is complete and all affected services are back in normal operation.',
    ],
    [
      'an incident still holds one',
      [
        { name: 'API', status: 'major_outage' },
        { name: 'Web', status: 'operational' },
      ],
      'The scheduled maintenance is complete. Still affected: API (major outage); see the open incident for updates.',
    ],
  ] as const)('%s', (_, components, words) => {
    expect(completionBody([...components])).toBe(words);
  });
});

describe('period figures', () => {
  const terms = PREMIUM;
  const november = { from: at('01T00:00:00'), to: new Date('2026-12-01T00:00:00Z') };
  const MIN = 60_000;
  const iv = (status: StatusInterval['status'], from: string, to: string | null): StatusInterval => ({
    status,
    startedAt: at(from),
    endedAt: to ? at(to) : null,
  });
  const api = (over: Partial<ComponentRecord> = {}): ComponentRecord => ({
    id: 'api',
    name: 'API',
    intervals: [iv('operational', '01T00:00:00', '10T12:00:00'), iv('major_outage', '10T12:00:00', '10T13:00:00'), iv('operational', '10T13:00:00', null)],
    maintenances: [],
    holds: [{ incidentId: 'i1', title: 'Outage', from: at('10T12:00:00'), to: at('10T13:00:00') }],
    archivedAt: null,
    ...over,
  });

  test('an unfinished period counts the rest as up: the availability can only fall, the credit only rise', () => {
    const f = periodFigures({ terms, period: november, now: at('10T14:00:00'), components: [api()] });
    expect(f.final).toBe(false);
    expect(f.availability).toBeCloseTo(1 - 60 / 43_200, 12);
    expect(f).toMatchObject({ downtimeMinutes: 60, creditPercent: 10, incidents: [{ id: 'i1', downtimeMinutes: 60 }] });
    const later = periodFigures({ terms, period: november, now: new Date('2026-12-01T00:00:00Z'), components: [api()] });
    expect(later.final).toBe(true);
    expect(later.availability).toBeCloseTo(f.availability!, 12);
  });

  test('an archived component counts up to its archiving, not after', () => {
    const f = periodFigures({
      terms,
      period: november,
      now: new Date('2026-12-01T00:00:00Z'),
      components: [api({ archivedAt: at('16T00:00:00'), intervals: api().intervals.map((i) => (i.endedAt ? i : { ...i, endedAt: at('16T00:00:00') })) })],
    });
    expect(f.availability).toBeCloseTo(1 - 60 / (15 * 1440), 12);
  });

  /** The API under maintenance 12:00–13:00 on 10 November, from `work`, figured at the month's close. */
  const underMaintenance = (work: ComponentRecord['maintenances'][number]) => {
    const intervals = [
      iv('operational', '01T00:00:00', '10T12:00:00'),
      iv('under_maintenance', '10T12:00:00', '10T13:00:00'),
      iv('operational', '10T13:00:00', null),
    ];
    return periodFigures({ terms, period: november, now: new Date('2026-12-01T00:00:00Z'), components: [api({ intervals, holds: [], maintenances: [work] })] });
  };

  test.each([
    ['announced three days ahead: left out', at('07T12:00:00'), true, 0],
    ['announced an hour ahead: downtime', at('10T11:00:00'), false, 60],
  ] as const)('maintenance %s', (_, announcedAt, excluded, downtime) => {
    const work = { id: 'm1', title: 'Upgrade', announcedAt, scheduledFor: at('10T12:00:00'), startedAt: at('10T12:00:00'), endedAt: at('10T13:00:00') };
    const f = underMaintenance(work);
    expect(f.maintenances).toEqual([{ id: 'm1', title: 'Upgrade', excluded, minutes: 60 }]);
    expect(f.downtimeMinutes).toBe(downtime);
  });

  test('work begun before its scheduled start counts as downtime until that start', () => {
    const work = {
      id: 'm1',
      title: 'Upgrade',
      announcedAt: at('01T00:00:00'),
      scheduledFor: at('10T12:30:00'),
      startedAt: at('10T12:00:00'),
      endedAt: at('10T13:00:00'),
    };
    const f = underMaintenance(work);
    expect(f.downtimeMinutes).toBe(30);
    expect(f.maintenances).toEqual([{ id: 'm1', title: 'Upgrade', excluded: true, minutes: 30 }]);
  });

  test('mean over components weighs each by its measured time; the cap limits the credit', () => {
    const web: ComponentRecord = { ...api(), id: 'web', name: 'Web', intervals: [iv('operational', '01T00:00:00', null)], holds: [] };
    const f = periodFigures({
      terms: { ...terms, aggregate: 'mean', cap: 5, ladder: [{ below: 99.9, credit: 5 }] },
      period: november,
      now: new Date('2026-12-01T00:00:00Z'),
      components: [api(), web],
    });
    expect(f.availability).toBeCloseTo(1 - 60 / (2 * 43_200), 12);
    expect(f.downtimeMs).toBe(30 * MIN);
    expect(f.creditPercent).toBe(0); // 99.93 % is within 99.9
  });

  test.each([
    [0, 0],
    [1, 1],
    [1000, 1],
    [60_000, 1],
    [60_001, 2],
  ])('%d ms of downtime is stated as %d minute(s)', (ms, minutes) => {
    expect(minutesUp(ms)).toBe(minutes);
  });
});
