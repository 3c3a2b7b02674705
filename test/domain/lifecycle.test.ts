import { describe, expect, test } from 'vitest';
import {
  checkReopen,
  checkTransition,
  impactOf,
  INCIDENT_STATUSES,
  isPublic,
  REOPEN_POLICY,
  type IncidentStatus,
} from '../../api/domain/incident/lifecycle.ts';
import { InvalidTransition } from '../../api/domain/errors.ts';

const open = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

describe('checkTransition', () => {
  const allowed: [IncidentStatus, IncidentStatus][] = open.flatMap((from) => INCIDENT_STATUSES.map((to) => [from, to] as [IncidentStatus, IncidentStatus]));
  test.each(allowed)('%s → %s is allowed (forward, skipping, back before resolution, same)', (from, to) => {
    expect(() => checkTransition(from, to)).not.toThrow();
  });

  test.each(INCIDENT_STATUSES.map((to) => [to]))('resolved → %s is refused', (to) => {
    expect(() => checkTransition('resolved', to)).toThrow(InvalidTransition);
  });

  test('the refusal points at reopening', () => {
    expect(() => checkTransition('resolved', 'investigating')).toThrow(/reopen it instead/);
  });
});

describe('checkReopen', () => {
  const resolvedAt = new Date('2026-01-01T12:00:00Z');
  const at = (ms: number) => new Date(resolvedAt.getTime() + ms);
  test.each([
    ['within the window', { status: 'resolved', resolvedAt, reopenCount: 0 }, 'identified', at(60_000), null],
    ['at the window edge', { status: 'resolved', resolvedAt, reopenCount: 0 }, 'investigating', at(REOPEN_POLICY.windowMs), null],
    ['past the window', { status: 'resolved', resolvedAt, reopenCount: 0 }, 'investigating', at(REOPEN_POLICY.windowMs + 1), /reopen window/],
    ['already reopened once', { status: 'resolved', resolvedAt, reopenCount: 1 }, 'investigating', at(1000), /already reopened/],
    ['not resolved', { status: 'monitoring', resolvedAt: null, reopenCount: 0 }, 'investigating', at(1000), /Only a resolved/],
    ['to resolved', { status: 'resolved', resolvedAt, reopenCount: 0 }, 'resolved', at(1000), /needs an open status/],
  ] as const)('%s', (_, incident, to, now, error) => {
    const run = () => checkReopen(incident, to, now);
    if (error) expect(run).toThrow(error);
    else expect(run).not.toThrow();
  });
});

describe('impactOf', () => {
  test.each([
    ['SEV-1', null, 'critical'],
    ['SEV-2', null, 'major'],
    ['SEV-3', null, 'minor'],
    ['SEV-4', null, 'none'],
    ['SEV-1', 'minor', 'minor'],
    ['SEV-4', 'major', 'major'],
  ] as const)('%s with override %s → %s', (severity, override, expected) => {
    expect(impactOf(severity, override)).toBe(expected);
  });
});

describe('isPublic', () => {
  test.each([
    ['SEV-1', false, true],
    ['SEV-2', false, true],
    ['SEV-3', false, false],
    ['SEV-3', true, true],
    ['SEV-4', true, false],
  ] as const)('%s customer-visible=%s → %s', (severity, visible, expected) => {
    expect(isPublic(severity, visible)).toBe(expected);
  });
});
