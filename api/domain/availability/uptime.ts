import { worstStatus, type ComponentStatus } from '../component/status.ts';

/**
 * How much of an interval at each status counts as downtime. Partial outages count 0.3, as
 * Statuspage and Instatus weigh them; degraded performance is slow, not down. Maintenance is
 * not in this table: it is excluded from both downtime and the measured time.
 */
export const DEFAULT_DOWNTIME_WEIGHTS: Record<Exclude<ComponentStatus, 'under_maintenance'>, number> = {
  operational: 0,
  degraded_performance: 0,
  partial_outage: 0.3,
  major_outage: 1,
};
export type DowntimeWeights = typeof DEFAULT_DOWNTIME_WEIGHTS;

export const DAY_MS = 24 * 60 * 60 * 1000;

/** One recorded stretch of a component's timeline; `endedAt` null means "still going". */
export interface StatusInterval {
  status: ComponentStatus;
  startedAt: Date;
  endedAt: Date | null;
}

export interface Availability {
  /** Time the component was measured in the window: recorded, and not under maintenance. */
  measuredMs: number;
  /** Weighted downtime within the measured time. */
  downtimeMs: number;
  /** 1 − downtime / measured, or null when nothing was measured (no record, or all maintenance). */
  uptime: number | null;
  /** The worst status seen in the window, or null when the window holds no record. */
  worst: ComponentStatus | null;
}

/** A stretch of time left out of availability altogether (a maintenance window). */
export interface Window {
  from: Date;
  to: Date;
}

/** How much of [start, end) lies outside every window (windows may overlap each other). */
function outside(start: number, end: number, windows: Window[]): number {
  let covered = 0;
  let cursor = start;
  const clipped = windows
    .map((w) => [Math.max(w.from.getTime(), start), Math.min(w.to.getTime(), end)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  for (const [a, b] of clipped) {
    if (b <= cursor) continue;
    covered += b - Math.max(a, cursor);
    cursor = b;
  }
  return end - start - covered;
}

/**
 * Availability of one component over [from, to), from its status intervals (open ones run to
 * `to`). Time inside `maintenance` windows is neither downtime nor measured — so an incident
 * during a maintenance window counts only for its part outside the window. Intervals at
 * `under_maintenance` outside those windows are left out too, unless `maintenanceWeight` is
 * given: an SLA that excludes only announced maintenance counts the rest as downtime.
 */
export function availability(
  intervals: StatusInterval[],
  from: Date,
  to: Date,
  weights: DowntimeWeights = DEFAULT_DOWNTIME_WEIGHTS,
  maintenance: Window[] = [],
  maintenanceWeight: number | null = null,
): Availability {
  let measuredMs = 0;
  let downtimeMs = 0;
  const seen: ComponentStatus[] = [];
  for (const i of intervals) {
    const start = Math.max(i.startedAt.getTime(), from.getTime());
    const end = Math.min((i.endedAt ?? to).getTime(), to.getTime());
    if (end <= start) continue;
    seen.push(i.status);
    const weight = i.status === 'under_maintenance' ? maintenanceWeight : weights[i.status];
    if (weight === null) continue;
    const counted = outside(start, end, maintenance);
    measuredMs += counted;
    downtimeMs += counted * weight;
  }
  return {
    measuredMs,
    downtimeMs,
    uptime: measuredMs > 0 ? 1 - downtimeMs / measuredMs : null,
    worst: seen.length ? worstStatus(seen) : null,
  };
}

/** The start of the UTC day that contains `t`. */
export function utcDayStart(t: Date): Date {
  return new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
}

export interface DayAvailability extends Availability {
  /** The UTC day, as YYYY-MM-DD. */
  date: string;
}

/**
 * Availability per UTC day for the `days` days ending with the day of `now` (oldest first);
 * today is measured up to `now`.
 */
export function dailyAvailability(
  intervals: StatusInterval[],
  days: number,
  now: Date,
  weights: DowntimeWeights = DEFAULT_DOWNTIME_WEIGHTS,
  maintenance: Window[] = [],
): DayAvailability[] {
  const today = utcDayStart(now).getTime();
  return Array.from({ length: days }, (_, k) => {
    const from = new Date(today - (days - 1 - k) * DAY_MS);
    const to = new Date(Math.min(from.getTime() + DAY_MS, now.getTime()));
    return { date: from.toISOString().slice(0, 10), ...availability(intervals, from, to, weights, maintenance) };
  });
}

/**
 * An uptime percentage as a string that never flatters: truncated, not rounded, so 99.996 %
 * reads 99.99 and any downtime at all keeps it below 100.
 */
export function formatUptime(uptime: number, decimals = 2): string {
  const factor = 10 ** decimals;
  const truncated = Math.floor(uptime * 100 * factor + 1e-9) / factor;
  const capped = uptime < 1 && truncated >= 100 ? 100 - 1 / factor : truncated;
  return capped.toFixed(decimals);
}
