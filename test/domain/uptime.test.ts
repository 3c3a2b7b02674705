import { describe, expect, test } from 'vitest';
import { availability, dailyAvailability, formatUptime, type StatusInterval } from '../../api/domain/availability/uptime.ts';
import { overallStatus } from '../../api/domain/status/summary.ts';
import { formatDuration, incidentDurationMs, resolvedGaps } from '../../api/domain/incident/duration.ts';

const d = (s: string) => new Date(`2026-03-${s}Z`);
const iv = (status: StatusInterval['status'], from: string, to: string | null): StatusInterval => ({ status, startedAt: d(from), endedAt: to ? d(to) : null });

describe('availability over a window', () => {
  const day = [d('10T00:00:00'), d('11T00:00:00')] as const;
  test.each([
    ['all operational', [iv('operational', '01T00:00:00', null)], 1, 0],
    [
      'one hour of major outage',
      [iv('operational', '01T00:00:00', '10T12:00:00'), iv('major_outage', '10T12:00:00', '10T13:00:00'), iv('operational', '10T13:00:00', null)],
      1 - 1 / 24,
      3_600_000,
    ],
    [
      'a partial outage weighs 0.3',
      [iv('partial_outage', '10T00:00:00', '10T10:00:00'), iv('operational', '10T10:00:00', null)],
      1 - (0.3 * 10) / 24,
      0.3 * 10 * 3_600_000,
    ],
    ['degraded performance is not downtime', [iv('degraded_performance', '09T00:00:00', null)], 1, 0],
    [
      'maintenance is out of both downtime and the period',
      [iv('under_maintenance', '10T00:00:00', '10T12:00:00'), iv('major_outage', '10T12:00:00', '10T18:00:00'), iv('operational', '10T18:00:00', null)],
      0.5,
      6 * 3_600_000,
    ],
    [
      'time before the component existed is not measured',
      [iv('operational', '10T18:00:00', '10T21:00:00'), iv('major_outage', '10T21:00:00', null)],
      0.5,
      3 * 3_600_000,
    ],
  ] as const)('%s', (_, intervals, uptime, downtimeMs) => {
    const a = availability([...intervals], ...day);
    expect(a.uptime).toBeCloseTo(uptime, 10);
    expect(a.downtimeMs).toBeCloseTo(downtimeMs, 3);
  });

  test('an incident inside a maintenance window counts only for its part outside the window', () => {
    // Major outage 10:00–14:00; maintenance window 09:00–12:00 (overlapping windows merge).
    const intervals = [
      iv('operational', '10T00:00:00', '10T10:00:00'),
      iv('major_outage', '10T10:00:00', '10T14:00:00'),
      iv('operational', '10T14:00:00', null),
    ];
    const windows = [
      { from: d('10T09:00:00'), to: d('10T11:00:00') },
      { from: d('10T10:30:00'), to: d('10T12:00:00') },
    ];
    const a = availability(intervals, ...day, undefined, windows);
    expect(a.downtimeMs).toBe(2 * 3_600_000);
    expect(a.measuredMs).toBe(21 * 3_600_000);
    expect(a.uptime).toBeCloseTo(1 - 2 / 21, 12);
  });

  test('no record, or only maintenance, measures nothing', () => {
    expect(availability([], ...day)).toEqual({ measuredMs: 0, downtimeMs: 0, uptime: null, worst: null });
    expect(availability([iv('under_maintenance', '01T00:00:00', null)], ...day)).toMatchObject({ uptime: null, worst: 'under_maintenance' });
  });
});

describe('daily availability (UTC days)', () => {
  test('an outage spanning midnight counts on both days, each for its own part', () => {
    const intervals = [
      iv('operational', '01T00:00:00', '10T23:00:00'),
      iv('major_outage', '10T23:00:00', '11T02:00:00'),
      iv('operational', '11T02:00:00', null),
    ];
    const days = dailyAvailability(intervals, 3, d('12T06:00:00'));
    expect(days.map((x) => x.date)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
    expect(days[0]).toMatchObject({ downtimeMs: 3_600_000, worst: 'major_outage' });
    expect(days[0]!.uptime).toBeCloseTo(23 / 24, 10);
    expect(days[1]).toMatchObject({ downtimeMs: 2 * 3_600_000, worst: 'major_outage' });
    expect(days[1]!.uptime).toBeCloseTo(22 / 24, 10);
    // Today is measured only up to now.
    expect(days[2]).toMatchObject({ measuredMs: 6 * 3_600_000, uptime: 1, worst: 'operational' });
  });

  test('an interval ending exactly at midnight does not touch the next day', () => {
    const intervals = [iv('major_outage', '10T20:00:00', '11T00:00:00'), iv('operational', '11T00:00:00', null)];
    const [first, second] = dailyAvailability(intervals, 2, d('11T12:00:00'));
    expect(first!.worst).toBe('major_outage');
    expect(second).toMatchObject({ worst: 'operational', uptime: 1 });
  });

  test('days before the first record have no data', () => {
    const [before, after] = dailyAvailability([iv('operational', '11T00:00:00', null)], 2, d('11T12:00:00'));
    expect(before).toMatchObject({ uptime: null, worst: null, measuredMs: 0 });
    expect(after!.uptime).toBe(1);
  });
});

describe('formatUptime never flatters', () => {
  test.each([
    [1, '100.00'],
    [0.99995, '99.99'],
    [0.999999, '99.99'],
    [0.99895, '99.89'],
    [0.999, '99.90'],
    [0.5, '50.00'],
    [0, '0.00'],
  ])('%d → %s', (uptime, text) => {
    expect(formatUptime(uptime)).toBe(text);
  });
});

describe('overall status', () => {
  test.each([
    [[], [], 'none', 'All Systems Operational'],
    [['operational', 'operational'], [], 'none', 'All Systems Operational'],
    [['degraded_performance'], [], 'minor', 'Partially Degraded Service'],
    [['partial_outage', 'degraded_performance'], [], 'major', 'Partial System Outage'],
    [['major_outage'], ['minor'], 'critical', 'Major Service Outage'],
    [['under_maintenance'], [], 'maintenance', 'Service Under Maintenance'],
    [['under_maintenance', 'partial_outage'], [], 'major', 'Partial System Outage'],
    [['operational'], ['major'], 'major', 'Partial System Outage'],
    [['under_maintenance'], ['minor'], 'minor', 'Partially Degraded Service'],
    [['operational'], ['none'], 'none', 'All Systems Operational'],
  ] as const)('components %j, incidents %j → %s', (components, impacts, indicator, description) => {
    expect(overallStatus([...components], [...impacts])).toEqual({ indicator, description });
  });
});

describe('durations', () => {
  test.each([
    [0, '0 min'],
    [1_000, 'under 1 min'],
    [59_000, 'under 1 min'],
    [60_000, '1 min'],
    [60_001, '2 min'],
    [45 * 60_000, '45 min'],
    [60 * 60_000, '1 h'],
    [125 * 60_000, '2 h 5 min'],
    [(3 * 1440 + 4 * 60 + 7) * 60_000, '3 d 4 h 7 min'],
    [(3 * 1440 + 4 * 60 + 59) * 60_000, '3 d 4 h 59 min'],
    [(3 * 1440 + 7) * 60_000, '3 d 7 min'],
    [2 * 1440 * 60_000, '2 d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('a reopened incident does not count the time it spent resolved', () => {
    const at = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`);
    const gaps = resolvedGaps([
      { kind: 'status', status: 'investigating', createdAt: at('10:00') },
      { kind: 'status', status: 'resolved', createdAt: at('10:30') },
      { kind: 'severity_change', status: 'resolved', createdAt: at('10:40') },
      { kind: 'reopen', status: 'investigating', createdAt: at('11:00') },
      { kind: 'status', status: 'resolved', createdAt: at('11:15') },
    ]);
    expect(gaps).toEqual([{ from: at('10:30'), to: at('11:00') }]);
    expect(incidentDurationMs(at('10:00'), at('11:15'), at('12:00'), gaps)).toBe(45 * 60_000);
  });

  test('open incidents run to now; resolved ones to their resolution', () => {
    expect(incidentDurationMs(d('10T10:00:00'), null, d('10T10:30:00'))).toBe(30 * 60_000);
    expect(incidentDurationMs(d('10T10:00:00'), d('10T11:00:00'), d('12T00:00:00'))).toBe(60 * 60_000);
  });
});
