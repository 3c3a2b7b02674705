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

/** The offset of `zone` from UTC at `at`, in ms (positive east of Greenwich). */
function zoneOffsetMs(at: Date, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * A wall-clock time in `zone` (`2026-03-29T02:30`, as a datetime-local field sends it) as an
 * instant; null when it does not parse or the zone is unknown. A time a DST change skips moves
 * forward by the gap (02:30 on a spring-forward night is 03:30); a repeated time is the first.
 */
export function zonedToUtc(local: string, zone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  try {
    const first = wall - zoneOffsetMs(new Date(wall), zone);
    const second = new Date(wall - zoneOffsetMs(new Date(first), zone));
    return inZone(second, zone, 'T') === local ? second : new Date(first);
  } catch {
    return null;
  }
}

/** An instant as a wall-clock time in `zone`: `2026-03-29 03:30` (for a datetime-local field, with a T). */
export function inZone(at: Date, zone: string, separator: ' ' | 'T' = ' '): string {
  const shifted = new Date(at.getTime() + zoneOffsetMs(at, zone));
  return shifted.toISOString().slice(0, 16).replace('T', separator);
}
