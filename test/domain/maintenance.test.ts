import { describe, expect, test } from 'vitest';
import {
  checkMaintenanceTransition,
  clockSteps,
  emailFor,
  holdsComponents,
  MAINTENANCE_STATUSES,
  maintenanceWindow,
  nextClockStepAt,
  reminderAt,
  type ClockView,
  type MaintenanceStatus,
} from '../../api/domain/maintenance/lifecycle.ts';
import { InvalidTransition } from '../../api/domain/errors.ts';
import { overallStatus } from '../../api/domain/status/summary.ts';
import { availability, dailyAvailability } from '../../api/domain/availability/uptime.ts';

const ALLOWED: [MaintenanceStatus, MaintenanceStatus][] = [
  ['scheduled', 'scheduled'],
  ['scheduled', 'in_progress'],
  ['scheduled', 'cancelled'],
  ['in_progress', 'in_progress'],
  ['in_progress', 'verifying'],
  ['in_progress', 'completed'],
  ['verifying', 'verifying'],
  ['verifying', 'in_progress'],
  ['verifying', 'completed'],
];
const all = MAINTENANCE_STATUSES.flatMap((from) => MAINTENANCE_STATUSES.map((to) => [from, to] as [MaintenanceStatus, MaintenanceStatus]));
const isAllowed = (from: MaintenanceStatus, to: MaintenanceStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

describe('checkMaintenanceTransition', () => {
  test.each(all.filter(([f, t]) => isAllowed(f, t)))('%s → %s is allowed', (from, to) => {
    expect(() => checkMaintenanceTransition(from, to)).not.toThrow();
  });
  test.each(all.filter(([f, t]) => !isAllowed(f, t)))('%s → %s is refused', (from, to) => {
    expect(() => checkMaintenanceTransition(from, to)).toThrow(InvalidTransition);
  });
  test.each([
    ['completed', 'in_progress', 'The maintenance is already completed'],
    ['cancelled', 'scheduled', 'The maintenance is already cancelled'],
    ['in_progress', 'cancelled', 'Work that has begun cannot be cancelled; complete it instead'],
    ['verifying', 'scheduled', 'Work that has begun cannot go back to scheduled'],
    ['scheduled', 'completed', 'A maintenance cannot move from scheduled to completed; start it first'],
  ] as const)('%s → %s says why: %s', (from, to, message) => {
    expect(() => checkMaintenanceTransition(from, to)).toThrow(message);
  });
});

describe('holdings and emails', () => {
  test.each([
    ['scheduled', false],
    ['in_progress', true],
    ['verifying', true],
    ['completed', false],
    ['cancelled', false],
  ] as const)('%s holds its components: %s', (status, holds) => {
    expect(holdsComponents(status)).toBe(holds);
  });
  test.each([
    ['scheduled', 'in_progress', 'started'],
    ['in_progress', 'completed', 'completed'],
    ['verifying', 'completed', 'completed'],
    ['scheduled', 'cancelled', 'cancelled'],
    ['in_progress', 'verifying', null],
    ['verifying', 'in_progress', null],
    ['scheduled', 'scheduled', null],
  ] as const)('%s → %s sends %s', (from, to, email) => {
    expect(emailFor(from, to)).toBe(email);
  });
});

const T = (hhmm: string, day = '2026-06-10') => new Date(`${day}T${hhmm}:00Z`);
const view = (over: Partial<ClockView> = {}): ClockView => ({
  status: 'scheduled',
  scheduledFor: T('02:00'),
  scheduledUntil: T('04:00'),
  autoStart: true,
  autoComplete: true,
  notifyOnStart: true,
  notifyOnComplete: true,
  remindHoursBefore: 1,
  remindedAt: null,
  announcedAt: T('12:00', '2026-06-09'),
  lastStepAt: T('12:00', '2026-06-09'),
  ...over,
});

describe('reminderAt', () => {
  test.each([
    ['the lead before the start', view(), T('01:00')],
    ['none when not asked for', view({ remindHoursBefore: null }), null],
    ['none when announced after the reminder time', view({ announcedAt: T('01:30') }), null],
    ['none when announced exactly at it', view({ announcedAt: T('01:00') }), null],
  ])('%s', (_, m, expected) => {
    expect(reminderAt(m)).toEqual(expected);
  });
});

describe('clockSteps', () => {
  test.each([
    ['before the reminder: nothing', view(), T('00:59'), []],
    ['at the reminder time: remind', view(), T('01:00'), [{ kind: 'remind' }]],
    ['reminded already: nothing', view({ remindedAt: T('01:00') }), T('01:30'), []],
    ['at the start: start, with its email; the stale reminder is dropped', view(), T('02:00'), [{ kind: 'start', at: T('02:00'), notify: true }]],
    ['late start (a restart): dated at the scheduled time', view({ remindedAt: T('01:00') }), T('02:40'), [{ kind: 'start', at: T('02:00'), notify: true }]],
    ['no auto start: nothing, even past the end', view({ autoStart: false }), T('05:00'), []],
    ['notify_on_start off: started quietly', view({ notifyOnStart: false }), T('02:00'), [{ kind: 'start', at: T('02:00'), notify: false }]],
    ['in progress before the end: nothing', view({ status: 'in_progress', lastStepAt: T('02:00') }), T('03:59'), []],
    [
      'in progress at the end: complete',
      view({ status: 'in_progress', lastStepAt: T('02:00') }),
      T('04:00'),
      [{ kind: 'complete', at: T('04:00'), notify: true }],
    ],
    ['verifying at the end: complete', view({ status: 'verifying', lastStepAt: T('03:30') }), T('04:10'), [{ kind: 'complete', at: T('04:00'), notify: true }]],
    ['no auto complete: runs on', view({ status: 'in_progress', autoComplete: false }), T('09:00'), []],
    [
      'down through the whole window: start and complete at their times, only "completed" emailed',
      view(),
      T('09:00'),
      [
        { kind: 'start', at: T('02:00'), notify: false },
        { kind: 'complete', at: T('04:00'), notify: true },
      ],
    ],
    [
      'down through the window, no auto complete: the start is still news',
      view({ autoComplete: false }),
      T('09:00'),
      [{ kind: 'start', at: T('02:00'), notify: true }],
    ],
    [
      'never dated before the last recorded step',
      view({ status: 'in_progress', lastStepAt: T('04:20') }),
      T('05:00'),
      [{ kind: 'complete', at: T('04:20'), notify: true }],
    ],
    ['completed: nothing', view({ status: 'completed' }), T('09:00'), []],
    ['cancelled: nothing', view({ status: 'cancelled' }), T('03:00'), []],
  ])('%s', (_, m, now, steps) => {
    expect(clockSteps(m, now)).toEqual(steps);
  });
});

describe('nextClockStepAt', () => {
  test.each([
    ['before the reminder: the reminder', view(), T('00:00'), T('01:00')],
    ['after the reminder, before the start: the start', view(), T('01:00'), T('02:00')],
    ['reminded: the start', view({ remindedAt: T('01:00') }), T('00:30'), T('02:00')],
    ['no reminder asked: the start', view({ remindHoursBefore: null }), T('00:00'), T('02:00')],
    ['no auto start: only the reminder', view({ autoStart: false }), T('00:00'), T('01:00')],
    ['no auto start, reminded: nothing by itself', view({ autoStart: false, remindedAt: T('01:00') }), T('01:30'), null],
    ['no auto start, past the start: nothing (never a time already past)', view({ autoStart: false }), T('02:30'), null],
    ['in progress: the end', view({ status: 'in_progress' }), T('03:00'), T('04:00')],
    ['in progress, no auto complete: nothing', view({ status: 'in_progress', autoComplete: false }), T('03:00'), null],
    ['in progress past its end, no auto complete: nothing', view({ status: 'in_progress', autoComplete: false }), T('05:00'), null],
    ['exactly at the start: the end comes next', view({ remindedAt: T('01:00') }), T('02:00'), T('04:00')],
    ['completed: nothing', view({ status: 'completed' }), T('00:00'), null],
    ['cancelled: nothing', view({ status: 'cancelled' }), T('00:00'), null],
  ])('%s', (_, m, now, expected) => {
    expect(nextClockStepAt(m, now)).toEqual(expected);
    // Whatever it names, the clock has a step then, and none before it.
    if (expected) {
      expect(clockSteps(m, expected).length).toBeGreaterThan(0);
      expect(clockSteps(m, new Date(expected.getTime() - 1)).filter((s) => clockSteps(m, now).every((n) => n.kind !== s.kind))).toEqual([]);
    }
  });
});

describe('maintenance windows and availability', () => {
  test.each([
    ['not begun', { startedAt: null, completedAt: null }, null],
    ['running: up to now', { startedAt: T('02:00'), completedAt: null }, { from: T('02:00'), to: T('03:00') }],
    ['done', { startedAt: T('02:00'), completedAt: T('02:30') }, { from: T('02:00'), to: T('02:30') }],
  ])('%s', (_, m, expected) => {
    expect(maintenanceWindow(m, T('03:00'))).toEqual(expected);
  });

  // An outage 03:00–05:00 on a component whose maintenance ran 02:00–04:00: only 04:00–05:00
  // counts, and the window is out of the measured time as well.
  const intervals = [
    { status: 'operational' as const, startedAt: T('00:00'), endedAt: T('02:00') },
    { status: 'under_maintenance' as const, startedAt: T('02:00'), endedAt: T('03:00') },
    { status: 'major_outage' as const, startedAt: T('03:00'), endedAt: T('05:00') },
    { status: 'operational' as const, startedAt: T('05:00'), endedAt: null },
  ];
  const windows = [{ from: T('02:00'), to: T('04:00') }];
  test('an incident inside a maintenance window counts only outside it', () => {
    const day = availability(intervals, T('00:00'), T('00:00', '2026-06-11'), undefined, windows);
    expect(day.measuredMs).toBe(22 * 3_600_000);
    expect(day.downtimeMs).toBe(3_600_000);
  });
  test('the daily bars leave the window out too', () => {
    const [day] = dailyAvailability(intervals, 1, T('23:59'), undefined, windows);
    expect(day!.downtimeMs).toBe(3_600_000);
    expect(dailyAvailability(intervals, 1, T('23:59'))[0]!.downtimeMs).toBe(2 * 3_600_000);
  });
});

describe('overall status with maintenance', () => {
  test.each([
    ['a maintenance in progress, nothing else', ['operational' as const], [], 1, 'maintenance'],
    ['a component under maintenance', ['under_maintenance' as const], [], 0, 'maintenance'],
    ['an incident is worse', ['under_maintenance' as const], ['minor' as const], 1, 'minor'],
    ['a no-impact incident is not', ['operational' as const], ['none' as const], 1, 'maintenance'],
    ['nothing going on', ['operational' as const], [], 0, 'none'],
  ])('%s → %s', (_, components, impacts, active, indicator) => {
    expect(overallStatus(components, impacts, active).indicator).toBe(indicator);
  });
});
