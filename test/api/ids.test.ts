import { describe, expect, test } from 'vitest';
import { newId, newIds, randomBytesPooled } from '../../db/ids.ts';

describe('ids', () => {
  test('12 lowercase base-36 characters (or the length asked for), none repeated in 20 000', () => {
    const ids = [...newIds(10_000), ...Array.from({ length: 10_000 }, () => newId())];
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId(32)).toMatch(/^[a-z0-9]{32}$/);
  });

  test('every character of the alphabet equally likely (no bias from the byte pool or the modulo)', () => {
    const counts = new Map<string, number>();
    for (const id of newIds(30_000)) for (const ch of id) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 360 000 characters: 10 000 each expected; a standard deviation of ≈ 98, so ± 600 is > 6 σ.
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  test('pooled random bytes: copies of their own, never the same bytes twice', () => {
    const tokens = Array.from({ length: 2000 }, () => randomBytesPooled(24)); // past one pool's 4 KB
    expect(tokens.every((t) => t.length === 24)).toBe(true);
    expect(new Set(tokens.map((t) => t.toString('hex'))).size).toBe(2000);
    const first = tokens[0]!.toString('hex');
    randomBytesPooled(8192); // the pool refilled twice over: the bytes handed out before stay as they were
    expect(tokens[0]!.toString('hex')).toBe(first);
  });
});
