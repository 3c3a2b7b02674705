import { describe, expect, test } from 'vitest';
import { fromApiJson, toApiJson } from '../../api/routes/json-case.ts';

describe('the API speaks snake_case; services camelCase', () => {
  test.each([
    [
      'keys deeply',
      { nextUpdateDueAt: 1, updates: [{ affectedComponents: [{ oldStatus: 'a' }] }] },
      { next_update_due_at: 1, updates: [{ affected_components: [{ old_status: 'a' }] }] },
    ],
    ['dates as ISO 8601', { at: new Date('2026-11-27T01:02:03.004Z') }, { at: '2026-11-27T01:02:03.004Z' }],
    ['keys that are data, unchanged', { 'SEV-1': { ab1Cd: 2 }, '7xYz': 1 }, { 'SEV-1': { ab1_cd: 2 }, '7xYz': 1 }],
    ['the same key again, the same way', [{ startedAt: 1 }, { startedAt: 2 }], [{ started_at: 1 }, { started_at: 2 }]],
    ['scalars and null as they are', { a: null, b: 'x', c: [1, true] }, { a: null, b: 'x', c: [1, true] }],
  ])('toApiJson: %s', (_, input, expected) => {
    expect(toApiJson(input)).toEqual(expected);
  });

  test('a key named __proto__ stays data, never a prototype', () => {
    const out = toApiJson(JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":1}}');
  });

  test('fromApiJson undoes toApiJson on identifiers', () => {
    expect(fromApiJson(toApiJson({ nextUpdateDueAt: 1, affectedComponents: [{ oldStatus: 'a' }] }))).toEqual({
      nextUpdateDueAt: 1,
      affectedComponents: [{ oldStatus: 'a' }],
    });
  });
});
