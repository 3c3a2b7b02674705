import { SEVERITIES, type Severity } from './lifecycle.ts';

/**
 * One entry of an incident's timeline as the report reads it: when it was posted, whether the
 * public saw it, and the next-update deadline in force when it was posted (null: none owed).
 * A public entry answers that deadline; an internal one (a severity change) replaces it — late
 * either way when it came after the deadline, so a missed deadline stays missed.
 */
interface ReportEntry {
  createdAt: Date;
  public: boolean;
  dueAt: Date | null;
  /** The severity at the time of the entry. */
  severity: Severity;
}

/** What the report reads of one incident. */
export interface ReportIncident {
  id: string;
  title: string;
  severity: Severity;
  /** When the impact began: time to first public update is measured from here. */
  startedAt: Date;
  declaredAt: Date;
  publishedAt: Date | null;
  resolvedAt: Date | null;
  nextUpdateDueAt: Date | null;
  postmortemDueAt: Date | null;
  postmortemPublishedAt: Date | null;
  entries: ReportEntry[];
  /** The policy's first-update window for the severity the incident was published at (null: none). */
  firstUpdateMinutes: number | null;
  /** When affected customers had to be emailed by (null: no rule, or no customer affected), and when the first was. */
  customerEmailDueAt: Date | null;
  customerEmailSentAt: Date | null;
}

const MINUTE = 60_000;
/** Minutes to one decimal, rounded up: lateness is never understated. */
const minutes = (ms: number) => Math.ceil(ms / (MINUTE / 10)) / 10;

/** The value below which `p` of the sorted values fall (nearest rank); null for none. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const onTimeOrNull = (due: Date | null, done: Date | null, now: Date) => (due ? (done ? done <= due : now > due ? false : null) : null);

/** One incident's communication record, from its timeline. */
function incidentRecord(incident: ReportIncident, now: Date) {
  const entries = [...incident.entries].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const publicEntries = entries.filter((e) => e.public);
  const closing = entries.filter((e) => e.dueAt);
  const answered = closing.filter((e) => e.public);
  const late = closing.filter((e) => e.createdAt > e.dueAt!);
  const onTime = answered.filter((e) => e.createdAt <= e.dueAt!);
  // An open incident whose deadline has passed is late right now, too.
  const overdueNow =
    !incident.resolvedAt && incident.nextUpdateDueAt && now > incident.nextUpdateDueAt ? now.getTime() - incident.nextUpdateDueAt.getTime() : null;
  const lateness = [...late.map((e) => e.createdAt.getTime() - e.dueAt!.getTime()), ...(overdueNow !== null ? [overdueNow] : [])];
  const first = publicEntries[0] ?? null;
  const firstDue = incident.firstUpdateMinutes === null ? null : new Date(incident.startedAt.getTime() + incident.firstUpdateMinutes * MINUTE);
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    startedAt: incident.startedAt,
    declaredAt: incident.declaredAt,
    publishedAt: incident.publishedAt,
    resolvedAt: incident.resolvedAt,
    minutesToDeclare: minutes(incident.declaredAt.getTime() - incident.startedAt.getTime()),
    minutesToFirstPublicUpdate: first ? minutes(first.createdAt.getTime() - incident.startedAt.getTime()) : null,
    firstPublicUpdateOnTime: onTimeOrNull(firstDue, first?.createdAt ?? null, now),
    publicUpdates: publicEntries.length,
    updatesOnTime: onTime.length,
    updatesLate: late.length,
    overdueNowMinutes: overdueNow === null ? null : minutes(overdueNow),
    worstLatenessMinutes: lateness.length ? minutes(Math.max(...lateness)) : 0,
    postmortemDueAt: incident.postmortemDueAt,
    postmortemPublishedAt: incident.postmortemPublishedAt,
    postmortemOnTime: onTimeOrNull(incident.postmortemDueAt, incident.postmortemPublishedAt, now),
    customerEmailOnTime: onTimeOrNull(incident.customerEmailDueAt, incident.customerEmailSentAt, now),
  };
}

/** Per incident and per severity: time to first public update, deadlines met and missed, lateness, postmortems. */
export function communicationReport(incidents: ReportIncident[], now: Date) {
  const records = incidents.map((i) => incidentRecord(i, now));
  const bySeverity = SEVERITIES.map((severity) => {
    const mine = records.filter((r) => r.severity === severity);
    const first = mine.map((r) => r.minutesToFirstPublicUpdate).filter((m): m is number => m !== null);
    const onTime = mine.reduce((n, r) => n + r.updatesOnTime, 0);
    const late = mine.reduce((n, r) => n + r.updatesLate, 0);
    const postmortems = mine.filter((r) => r.postmortemOnTime !== null);
    const firsts = mine.filter((r) => r.firstPublicUpdateOnTime !== null);
    return {
      severity,
      incidents: mine.length,
      minutesToFirstPublicUpdate: { median: percentile(first, 0.5), p90: percentile(first, 0.9) },
      firstUpdatesOnTime: firsts.filter((r) => r.firstPublicUpdateOnTime).length,
      firstUpdatesLate: firsts.filter((r) => !r.firstPublicUpdateOnTime).length,
      updatesOnTime: onTime,
      updatesLate: late,
      onTimeShare: onTime + late ? Math.round((onTime / (onTime + late)) * 1000) / 1000 : null,
      worstLatenessMinutes: {
        median: percentile(
          mine.map((r) => r.worstLatenessMinutes),
          0.5,
        ),
        p90: percentile(
          mine.map((r) => r.worstLatenessMinutes),
          0.9,
        ),
        max: mine.length ? Math.max(...mine.map((r) => r.worstLatenessMinutes)) : null,
      },
      postmortemsOnTime: postmortems.filter((r) => r.postmortemOnTime).length,
      postmortemsLate: postmortems.filter((r) => !r.postmortemOnTime).length,
    };
  }).filter((s) => s.incidents > 0);
  return { bySeverity, incidents: records };
}
