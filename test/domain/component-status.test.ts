import { describe, expect, test } from 'vitest';
import { effectiveStatus, worstStatus, type ComponentStatus } from '../../api/domain/component/status.ts';
import { planIntervalChange } from '../../api/domain/component/timeline.ts';
import { allows } from '../../api/domain/access.ts';

describe('worstStatus', () => {
  test.each([
    [[], 'operational'],
    [['operational'], 'operational'],
    [['degraded_performance', 'operational'], 'degraded_performance'],
    [['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['partial_outage', 'major_outage', 'degraded_performance'], 'major_outage'],
    [['partial_outage', 'degraded_performance'], 'partial_outage'],
  ] as [ComponentStatus[], ComponentStatus][])('%j → %s', (statuses, expected) => {
    expect(worstStatus(statuses)).toBe(expected);
  });
});

describe('effectiveStatus', () => {
  test.each([
    [[], 'operational', 'operational'],
    [[], 'degraded_performance', 'degraded_performance'],
    [['partial_outage'], 'operational', 'partial_outage'],
    [['degraded_performance'], 'major_outage', 'degraded_performance'],
    [['degraded_performance', 'major_outage'], 'operational', 'major_outage'],
  ] as [ComponentStatus[], ComponentStatus, ComponentStatus][])('held %j, operator %s → %s', (held, operator, expected) => {
    expect(effectiveStatus(held, operator)).toBe(expected);
  });
});

describe('planIntervalChange', () => {
  const t0 = new Date('2026-03-01T00:00:00Z');
  const t1 = new Date('2026-03-01T01:00:00Z');
  const before = new Date('2026-02-28T23:00:00Z');
  test.each([
    ['no open interval: opens at the given time', null, 'operational', t1, { at: t1, status: 'operational' }],
    ['same status: nothing to do', { status: 'operational', startedAt: t0 }, 'operational', t1, null],
    ['new status: cut at the given time', { status: 'operational', startedAt: t0 }, 'major_outage', t1, { at: t1, status: 'major_outage' }],
    [
      'back-dated before the open interval: cut where it began',
      { status: 'operational', startedAt: t0 },
      'partial_outage',
      before,
      { at: t0, status: 'partial_outage' },
    ],
  ] as const)('%s', (_, open, status, at, expected) => {
    expect(planIntervalChange(open, status, at)).toEqual(expected);
  });
});

describe('allows', () => {
  test.each([
    [['admin'], 'admin', true],
    [['admin'], 'incidents:write', true],
    [['admin'], 'read', true],
    [['incidents:write'], 'incidents:write', true],
    [['incidents:write'], 'read', true],
    [['incidents:write'], 'admin', false],
    [['read'], 'read', true],
    [['read'], 'incidents:write', false],
    [['read'], 'admin', false],
    [[], 'read', false],
    [['bogus'], 'read', false],
  ] as const)('%j may do %s: %s', (held, needed, expected) => {
    expect(allows(held, needed)).toBe(expected);
  });
});
