import type { FieldError } from './errors.ts';

/** How far from now an operator may place a date: a year and a day either way. */
const OPERATOR_DATE_RANGE_DAYS = 366;
const RANGE_MS = OPERATOR_DATE_RANGE_DAYS * 24 * 60 * 60 * 1000;

/**
 * Checks a date an operator typed: within `OPERATOR_DATE_RANGE_DAYS` of now, and not in the
 * future where `future` is false (an impact start) — so a typo such as year 0202 is refused
 * instead of reaching every per-day computation.
 */
export function checkOperatorDate(at: Date, now: Date, path: string, options: { future: boolean }): FieldError[] {
  const t = at.getTime();
  if (Number.isNaN(t)) return [{ path, message: 'must be a valid date' }];
  if (!options.future && t > now.getTime()) return [{ path, message: `must not be in the future (now is ${now.toISOString()})` }];
  if (t < now.getTime() - RANGE_MS) return [{ path, message: `must be no more than ${OPERATOR_DATE_RANGE_DAYS} days before now (${now.toISOString()})` }];
  if (t > now.getTime() + RANGE_MS) return [{ path, message: `must be no more than ${OPERATOR_DATE_RANGE_DAYS} days after now (${now.toISOString()})` }];
  return [];
}
