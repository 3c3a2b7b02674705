import { describe, expect, test } from 'vitest';
import { DEFAULT_CADENCE_POLICY, nextUpdateDue, promisedDeadline, validatePolicy, type CadenceState } from '../../api/domain/incident/cadence.ts';
import { CadenceViolation } from '../../api/domain/errors.ts';

const t = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`);
const state = (over: Partial<CadenceState>): CadenceState => ({
  severity: 'SEV-1',
  status: 'investigating',
  publishedAt: t('10:00'),
  lastPublicUpdateAt: t('10:00'),
  ...over,
});

describe('nextUpdateDue', () => {
  test.each([
    ['SEV-1: 30 min after the last public update', state({ lastPublicUpdateAt: t('10:10') }), t('10:40')],
    ['SEV-2: 60 min', state({ severity: 'SEV-2', lastPublicUpdateAt: t('10:10') }), t('11:10')],
    ['SEV-3 published (customer-visible): 4 h', state({ severity: 'SEV-3' }), t('14:00')],
    ['not published (an internal SEV-3): nothing owed', state({ severity: 'SEV-3', publishedAt: null, lastPublicUpdateAt: null }), null],
    ['SEV-4 never published: nothing owed', state({ severity: 'SEV-4', publishedAt: null, lastPublicUpdateAt: null }), null],
    ['published, then downgraded to SEV-4: stays public, the policy owes nothing more', state({ severity: 'SEV-4' }), null],
    ['resolved: nothing owed', state({ status: 'resolved' }), null],
    [
      'made public later with nothing said yet: first-update deadline from publication',
      state({ severity: 'SEV-2', publishedAt: t('10:30'), lastPublicUpdateAt: null }),
      t('11:30'),
    ],
    ['SEV-1 with nothing public yet: 20 min from publication', state({ lastPublicUpdateAt: null }), t('10:20')],
    ['monitoring still owes updates', state({ status: 'monitoring', lastPublicUpdateAt: t('11:00') }), t('11:30')],
  ] as const)('%s', (_, s, expected) => {
    expect(nextUpdateDue(s)).toEqual(expected);
  });

  test.each([
    ['an upgrade SEV-2 → SEV-1 shortens the interval from the same last update', 'SEV-2', 'SEV-1', t('11:00'), t('10:30')],
    ['a downgrade SEV-1 → SEV-3 lengthens it', 'SEV-1', 'SEV-3', t('10:30'), t('14:00')],
  ] as const)('%s', (_, from, to, before, after) => {
    const last = { lastPublicUpdateAt: t('10:00') };
    expect(nextUpdateDue(state({ severity: from, ...last }))).toEqual(before);
    expect(nextUpdateDue(state({ severity: to, ...last }))).toEqual(after);
  });

  test('a tightened policy (SEV-1 every 15 min) is honoured', () => {
    const policy = {
      ...DEFAULT_CADENCE_POLICY,
      severities: { ...DEFAULT_CADENCE_POLICY.severities, 'SEV-1': { ...DEFAULT_CADENCE_POLICY.severities['SEV-1'], everyMinutes: 15 } },
    };
    expect(nextUpdateDue(state({}), policy)).toEqual(t('10:15'));
  });
});

describe('promisedDeadline', () => {
  const due = t('10:30');
  test.each([
    ['no promise: the policy deadline', null, t('10:00'), due],
    ['an earlier promise is kept', t('10:15'), t('10:00'), t('10:15')],
    ['exactly at the deadline is allowed', t('10:30'), t('10:00'), t('10:30')],
  ] as const)('%s', (_, promised, now, expected) => {
    expect(promisedDeadline(due, promised, now, 'SEV-1')).toEqual(expected);
  });

  test('a later promise is refused with the latest allowed time', () => {
    expect(() => promisedDeadline(due, t('10:31'), t('10:00'), 'SEV-1')).toThrow(CadenceViolation);
    try {
      promisedDeadline(due, t('10:31'), t('10:00'), 'SEV-1');
    } catch (err) {
      expect((err as CadenceViolation).errors).toEqual([
        { path: 'next_update_at', message: 'must be no later than 2026-05-01T10:30:00.000Z (SEV-1: at least every 30 min)' },
      ]);
    }
  });

  test('a promise in the past is refused', () => {
    expect(() => promisedDeadline(due, t('09:59'), t('10:00'), 'SEV-1')).toThrow('already passed');
  });
});

describe('validatePolicy', () => {
  test('the defaults are valid', () => {
    expect(validatePolicy(DEFAULT_CADENCE_POLICY)).toEqual([]);
  });
  test.each([
    ['zero interval', { everyMinutes: 0 }, 'severities.SEV-1.every_minutes'],
    ['negative first update', { firstUpdateMinutes: -5 }, 'severities.SEV-1.first_update_minutes'],
    ['fractional minutes', { everyMinutes: 1.5 }, 'severities.SEV-1.every_minutes'],
    ['one of the pair missing', { firstUpdateMinutes: null }, 'severities.SEV-1.every_minutes'],
  ] as const)('%s is refused, naming the field', (_, change, path) => {
    const policy = {
      ...DEFAULT_CADENCE_POLICY,
      severities: { ...DEFAULT_CADENCE_POLICY.severities, 'SEV-1': { ...DEFAULT_CADENCE_POLICY.severities['SEV-1'], ...change } },
    };
    expect(validatePolicy(policy).map((e) => e.path)).toContain(path);
  });
});

import { nextNoticeAt, nextPostmortemNoticeAt, noticesDue, postmortemDue } from '../../api/domain/incident/cadence.ts';
import { communicationReport, percentile } from '../../api/domain/incident/report.ts';

describe('noticesDue', () => {
  const due = t('10:30');
  test.each([
    ['well before: nothing', t('10:20'), []],
    ['at T−5 min: the reminder', t('10:25'), ['reminder']],
    ['exactly at the deadline: overdue, no more reminder', t('10:30'), ['overdue']],
    ['inside the grace period', t('10:39'), ['overdue']],
    ['after the grace period: escalation too', t('10:40'), ['overdue', 'escalation']],
  ] as const)('%s', (_, now, expected) => {
    expect(noticesDue(due, now)).toEqual(expected);
  });
});

describe('nextNoticeAt', () => {
  const due = t('10:30');
  test.each([
    ['well before: the reminder', t('10:00'), t('10:25')],
    ['at the reminder: the deadline', t('10:25'), t('10:30')],
    ['at the deadline: the escalation', t('10:30'), t('10:40')],
    ['after the escalation: nothing more', t('10:40'), null],
  ] as const)('%s', (_, now, expected) => {
    expect(nextNoticeAt(due, now)).toEqual(expected);
    // At the time it names, what is due changes.
    if (expected) expect(noticesDue(due, expected)).not.toEqual(noticesDue(due, new Date(expected.getTime() - 1)));
  });
});

describe('nextPostmortemNoticeAt', () => {
  const due = new Date('2026-05-03T10:00:00Z');
  test.each([
    ['two days before: the reminder a day before', new Date('2026-05-01T10:00:00Z'), new Date('2026-05-02T10:00:00Z')],
    ['within the last day: the due time', new Date('2026-05-02T12:00:00Z'), due],
    ['at the due time: a day later', due, new Date('2026-05-04T10:00:00Z')],
    ['three days late: the next day boundary', new Date('2026-05-06T11:00:00Z'), new Date('2026-05-07T10:00:00Z')],
  ])('%s', (_, now, expected) => {
    expect(nextPostmortemNoticeAt(due, now)).toEqual(expected);
  });
});

describe('postmortemDue', () => {
  test.each([
    ['SEV-1: 48 h', 'SEV-1', new Date('2026-05-03T10:00:00Z')],
    ['SEV-2: 72 h', 'SEV-2', new Date('2026-05-04T10:00:00Z')],
    ['SEV-3: recommended only, no due date', 'SEV-3', null],
    ['SEV-4: none', 'SEV-4', null],
  ] as const)('%s', (_, severity, expected) => {
    expect(postmortemDue(severity, t('10:00'))).toEqual(expected);
  });
});

describe('communication report maths', () => {
  test.each([
    [[], 0.5, null],
    [[7], 0.9, 7],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[10, 1, 5], 0.5, 5],
  ])('percentile(%j, %d) = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('an update exactly at its deadline is on time; one a minute after is a minute late', () => {
    const report = communicationReport(
      [
        {
          id: 'a',
          title: 'a',
          severity: 'SEV-1',
          startedAt: t('10:00'),
          declaredAt: t('10:00'),
          publishedAt: t('10:00'),
          firstUpdateMinutes: 20,
          resolvedAt: t('11:01'),
          nextUpdateDueAt: null,
          postmortemDueAt: null,
          postmortemPublishedAt: null,
          customerEmailDueAt: null,
          customerEmailSentAt: null,
          entries: [
            { createdAt: t('10:00'), dueAt: null, public: true, severity: 'SEV-1' },
            { createdAt: t('10:30'), dueAt: t('10:30'), public: true, severity: 'SEV-1' },
            { createdAt: t('11:01'), dueAt: t('11:00'), public: true, severity: 'SEV-1' },
          ],
        },
      ],
      t('12:00'),
    );
    expect(report.incidents[0]).toMatchObject({ updatesOnTime: 1, updatesLate: 1, worstLatenessMinutes: 1, minutesToFirstPublicUpdate: 0 });
    expect(report.bySeverity[0]).toMatchObject({ severity: 'SEV-1', onTimeShare: 0.5 });
  });
});

describe('postmortemDue follows the policy, not a fixed list of severities', () => {
  test('a team that sets SEV-3 postmortem_hours gets SEV-3 postmortems due; one that clears SEV-1 gets none', () => {
    const policy = {
      ...DEFAULT_CADENCE_POLICY,
      severities: {
        ...DEFAULT_CADENCE_POLICY.severities,
        'SEV-1': { ...DEFAULT_CADENCE_POLICY.severities['SEV-1'], postmortemHours: null },
        'SEV-3': { ...DEFAULT_CADENCE_POLICY.severities['SEV-3'], postmortemHours: 24 },
      },
    };
    expect(postmortemDue('SEV-3', t('10:00'), policy)).toEqual(new Date('2026-05-02T10:00:00Z'));
    expect(postmortemDue('SEV-1', t('10:00'), policy)).toBeNull();
  });
});

describe('the record of deadlines: severity changes re-plan, never rewrite the past', () => {
  const base = {
    id: 'i',
    title: 'i',
    severity: 'SEV-2' as const,
    startedAt: t('10:00'),
    declaredAt: t('10:00'),
    publishedAt: t('10:00'),
    resolvedAt: null,
    nextUpdateDueAt: t('11:40'),
    postmortemDueAt: null,
    postmortemPublishedAt: null,
    customerEmailDueAt: null,
    customerEmailSentAt: null,
    firstUpdateMinutes: 20,
  };
  test.each([
    [
      'a SEV-1 10 min overdue, then downgraded: the missed deadline stays missed (10 min late)',
      [
        { createdAt: t('10:00'), dueAt: null, public: true, severity: 'SEV-1' },
        { createdAt: t('10:40'), dueAt: t('10:30'), public: false, severity: 'SEV-2' },
      ],
      { updatesOnTime: 0, updatesLate: 1, worstLatenessMinutes: 10 },
    ],
    [
      'a severity change before the deadline replaces it: neither met nor missed',
      [
        { createdAt: t('10:00'), dueAt: null, public: true, severity: 'SEV-1' },
        { createdAt: t('10:20'), dueAt: t('10:30'), public: false, severity: 'SEV-2' },
        { createdAt: t('11:10'), dueAt: t('11:20'), public: true, severity: 'SEV-2' },
      ],
      { updatesOnTime: 1, updatesLate: 0, worstLatenessMinutes: 0 },
    ],
    [
      'a late public update after a re-plan counts once, by its own deadline',
      [
        { createdAt: t('10:00'), dueAt: null, public: true, severity: 'SEV-1' },
        { createdAt: t('10:45'), dueAt: t('10:30'), public: false, severity: 'SEV-2' },
        { createdAt: t('12:00'), dueAt: t('11:00'), public: true, severity: 'SEV-2' },
      ],
      { updatesOnTime: 0, updatesLate: 2, worstLatenessMinutes: 60 },
    ],
  ] as const)('%s', (_, entries, expected) => {
    const report = communicationReport([{ ...base, entries: [...entries] }], t('11:30'));
    expect(report.incidents[0]).toMatchObject(expected);
  });
});

describe('time to first public update is measured from the impact start', () => {
  const incident = (startedAt: Date, firstAt: Date | null, extra: { publishedAt?: Date; internalFirst?: boolean } = {}) => ({
    id: 'i',
    title: 'i',
    severity: 'SEV-1' as const,
    startedAt,
    declaredAt: firstAt ?? t('13:00'),
    publishedAt: extra.publishedAt ?? firstAt,
    resolvedAt: t('14:00'),
    nextUpdateDueAt: null,
    postmortemDueAt: null,
    postmortemPublishedAt: null,
    customerEmailDueAt: null,
    customerEmailSentAt: null,
    firstUpdateMinutes: 20,
    entries: [
      ...(extra.internalFirst ? [{ createdAt: t('09:00'), dueAt: null, public: false, severity: 'SEV-4' as const }] : []),
      ...(firstAt ? [{ createdAt: firstAt, dueAt: null, public: true, severity: 'SEV-1' as const }] : []),
    ],
  });
  test.each([
    ['declared 3 h after the impact began: 180 min, late', incident(t('07:00'), t('10:00')), 180, false],
    ['declared at the impact start: 0 min, on time', incident(t('10:00'), t('10:00')), 0, true],
    ['exactly at the first-update window (20 min): on time', incident(t('10:00'), t('10:20')), 20, true],
    ['20 min and 1 s: late, and stated as 20.1 min (rounded up)', incident(t('10:00'), new Date('2026-05-01T10:20:01Z')), 20.1, false],
    ['internal notes before publication do not count as public', incident(t('08:50'), t('10:00'), { internalFirst: true }), 70, false],
    ['nothing public yet, window passed: late', incident(t('10:00'), null), null, false],
  ] as const)('%s', (_, i, minutes, onTime) => {
    const [record] = communicationReport([i], t('15:00')).incidents;
    expect(record).toMatchObject({ minutesToFirstPublicUpdate: minutes, firstPublicUpdateOnTime: onTime });
  });
});
