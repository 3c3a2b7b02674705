import { availability, type StatusInterval, type Window } from './uptime.ts';
import { creditFor, customerAvailability, type LadderStep, type SlaTerms } from './sla.ts';

const HOUR = 3_600_000;

/** A maintenance on a component, as the SLA reads it. */
interface MaintenanceRecord {
  id: string;
  title: string;
  /** When it was announced (scheduled): the notice it gave is measured from here. */
  announcedAt: Date;
  scheduledFor: Date;
  /** When the work really ran (end null: still running). */
  startedAt: Date;
  endedAt: Date | null;
}

/** An incident's hold on a component: from when it affected it until it resolved (null: still open). */
interface IncidentHold {
  incidentId: string;
  title: string;
  from: Date;
  to: Date | null;
}

/** One component's record, everything the period figures read. */
export interface ComponentRecord {
  id: string;
  name: string;
  intervals: StatusInterval[];
  maintenances: MaintenanceRecord[];
  holds: IncidentHold[];
  /** When it was archived (deleted from the page): measured up to then, never after. */
  archivedAt: Date | null;
}

export interface PeriodInput {
  terms: Pick<SlaTerms, 'ladder' | 'cap' | 'weights' | 'maintenanceNoticeHours' | 'target' | 'aggregate'>;
  period: { from: Date; to: Date };
  now: Date;
  components: ComponentRecord[];
}

/**
 * The window a maintenance is excluded for under a plan: only when announced at least the
 * plan's notice before its scheduled start, and only from that start on (work begun early
 * counts as downtime). Null: not excluded — the whole of it counts as downtime.
 */
function excludedWindow(m: MaintenanceRecord, noticeHours: number, until: Date): Window | null {
  if (!gaveNotice(m, noticeHours)) return null;
  const from = Math.max(m.startedAt.getTime(), m.scheduledFor.getTime());
  const to = (m.endedAt ?? until).getTime();
  return to > from ? { from: new Date(from), to: new Date(to) } : null;
}

/** Whether a maintenance was announced at least `noticeHours` before its scheduled start (so a plan with that notice period excludes it). */
export function gaveNotice(m: { announcedAt: Date; scheduledFor: Date }, noticeHours: number): boolean {
  return m.scheduledFor.getTime() - m.announcedAt.getTime() >= noticeHours * HOUR;
}

const overlapMs = (w: Window, from: number, to: number) => Math.max(0, Math.min(w.to.getTime(), to) - Math.max(w.from.getTime(), from));

/**
 * A customer's SLA figures for one billing period, from the recorded timeline: per component
 * and overall, the downtime (each incident that held a component is attributed all of the
 * downtime it held it through, so overlapping incidents are each named), the maintenance
 * excluded or counted, availability and the credit. Over an unfinished period, the time still
 * to come counts as measured and up: the availability stated is the most the period can still
 * reach, so the credit stated is already owed whatever happens next. The report, the
 * resolution email and the period statement all state these figures.
 */
export function periodFigures(input: PeriodInput) {
  const { terms, period, now } = input;
  const from = period.from.getTime();
  const to = period.to.getTime();
  const until = Math.min(to, now.getTime());
  const final = now.getTime() >= to;
  const components = input.components.map((c) => {
    const recordedUntil = Math.min(until, c.archivedAt?.getTime() ?? Infinity);
    const works = c.maintenances.map((m) => ({ m, window: excludedWindow(m, terms.maintenanceNoticeHours, new Date(recordedUntil)) }));
    const windows = works.flatMap((w) => (w.window ? [w.window] : []));
    // Maintenance the plan does not exclude counts as downtime (weight 1) for this plan.
    const measure = (a: number, b: number) =>
      b > a ? availability(c.intervals, new Date(a), new Date(b), terms.weights, windows, 1) : { measuredMs: 0, downtimeMs: 0 };
    const recorded = measure(from, recordedUntil);
    // Time still to come in the period, for a component still on the page: measured, not down.
    const ahead =
      c.archivedAt && c.archivedAt.getTime() <= to ? Math.max(0, c.archivedAt.getTime() - Math.max(until, from)) : Math.max(0, to - Math.max(until, from));
    const measuredMs = recorded.measuredMs + ahead;
    const incidents = c.holds
      .map((h) => ({
        id: h.incidentId,
        title: h.title,
        from: h.from.getTime(),
        downtimeMs: measure(Math.max(from, h.from.getTime()), Math.min(recordedUntil, h.to?.getTime() ?? Infinity)).downtimeMs,
      }))
      .filter((i) => i.downtimeMs > 0);
    // Each maintenance with the minutes the plan left out, or (announced too late) the minutes it ran.
    const maintenances = works
      .map(({ m, window }) => ({
        id: m.id,
        title: m.title,
        excluded: window !== null,
        minutes: minutesUp(overlapMs(window ?? { from: m.startedAt, to: m.endedAt ?? new Date(recordedUntil) }, from, recordedUntil)),
      }))
      .filter((m) => m.minutes > 0);
    return {
      id: c.id,
      name: c.name,
      measuredMs,
      downtimeMs: recorded.downtimeMs,
      availability: measuredMs > 0 ? 1 - recorded.downtimeMs / measuredMs : null,
      incidents,
      maintenances,
    };
  });
  const overall = customerAvailability(components, terms.aggregate);
  const none: { step: LadderStep | null; credit: number } = { step: null, credit: 0 };
  const credit = overall.availability === null ? none : creditFor(overall.availability * 100, terms);
  const measured = components.filter((c) => c.measuredMs > 0);
  const byIncident = new Map<string, { id: string; title: string; from: number; downtimes: number[] }>();
  for (const c of measured) {
    for (const i of c.incidents) {
      const entry = byIncident.get(i.id) ?? { id: i.id, title: i.title, from: i.from, downtimes: [] };
      entry.downtimes.push(i.downtimeMs);
      entry.from = Math.min(entry.from, i.from);
      byIncident.set(i.id, entry);
    }
  }
  // An incident's downtime for the customer, by the same aggregate: its worst component, or the mean over measured components.
  const incidentDowntime = (d: number[]) => (terms.aggregate === 'worst' ? Math.max(...d) : d.reduce((n, x) => n + x, 0) / measured.length);
  const maintenances = new Map<string, { id: string; title: string; excluded: boolean; minutes: number }>();
  for (const c of components) for (const m of c.maintenances) if ((maintenances.get(m.id)?.minutes ?? -1) < m.minutes) maintenances.set(m.id, m);
  return {
    period: { from: period.from, to: period.to },
    final,
    measuredUntil: new Date(until),
    components,
    availability: overall.availability,
    downtimeMs: overall.downtimeMs,
    downtimeMinutes: minutesUp(overall.downtimeMs),
    belowTarget: overall.availability !== null && overall.availability * 100 < terms.target,
    ladderStep: credit.step,
    creditPercent: credit.credit,
    // In time order: the incident that began first is named first.
    incidents: [...byIncident.values()]
      .sort((a, b) => a.from - b.from)
      .map((i) => ({ id: i.id, title: i.title, downtimeMs: incidentDowntime(i.downtimes), downtimeMinutes: minutesUp(incidentDowntime(i.downtimes)) })),
    maintenances: [...maintenances.values()],
  };
}

export type PeriodFigures = ReturnType<typeof periodFigures>;

/** Minutes, rounded up: a 1 s outage is 1 minute of downtime, never 0. */
export function minutesUp(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 60_000);
}
