import { SEVERITIES, type Severity } from './lifecycle.ts';

/** What the report reads of one incident: its deadlines and when updates came. */
export interface ReportIncident {
  id: string;
  title: string;
  severity: Severity;
  declaredAt: Date;
  resolvedAt: Date | null;
  nextUpdateDueAt: Date | null;
  postmortemDueAt: Date | null;
  postmortemPublishedAt: Date | null;
  /** Public updates, any order: when, and the deadline each answered. */
  updates: { createdAt: Date; dueAt: Date | null }[];
  /** When affected customers had to be emailed by (null: no rule, or no customer affected), and when the first was. */
  customerEmailDueAt: Date | null;
  customerEmailSentAt: Date | null;
}

const MINUTE = 60_000;
const minutes = (ms: number) => Math.round((ms / MINUTE) * 10) / 10;

/** The value below which `p` of the sorted values fall (nearest rank); null for none. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** One incident's communication record. */
export function incidentRecord(incident: ReportIncident, now: Date) {
  const updates = [...incident.updates].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const answered = updates.filter((u) => u.dueAt);
  const late = answered.filter((u) => u.createdAt > u.dueAt!);
  // An open incident whose deadline has passed is late right now, too.
  const overdueNow = !incident.resolvedAt && incident.nextUpdateDueAt && now > incident.nextUpdateDueAt ? now.getTime() - incident.nextUpdateDueAt.getTime() : null;
  const lateness = [...late.map((u) => u.createdAt.getTime() - u.dueAt!.getTime()), ...(overdueNow !== null ? [overdueNow] : [])];
  const postmortemOnTime = incident.postmortemDueAt
    ? incident.postmortemPublishedAt
      ? incident.postmortemPublishedAt <= incident.postmortemDueAt
      : now > incident.postmortemDueAt
        ? false
        : null
    : null;
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    declaredAt: incident.declaredAt,
    resolvedAt: incident.resolvedAt,
    minutesToFirstPublicUpdate: updates[0] ? minutes(updates[0].createdAt.getTime() - incident.declaredAt.getTime()) : null,
    publicUpdates: updates.length,
    updatesOnTime: answered.length - late.length,
    updatesLate: late.length,
    overdueNowMinutes: overdueNow === null ? null : minutes(overdueNow),
    worstLatenessMinutes: lateness.length ? minutes(Math.max(...lateness)) : 0,
    postmortemDueAt: incident.postmortemDueAt,
    postmortemPublishedAt: incident.postmortemPublishedAt,
    postmortemOnTime,
    customerEmailOnTime: incident.customerEmailDueAt
      ? incident.customerEmailSentAt
        ? incident.customerEmailSentAt <= incident.customerEmailDueAt
        : now > incident.customerEmailDueAt
          ? false
          : null
      : null,
  };
}

/** Per incident and per severity: time to first public update, updates on time, lateness, postmortems. */
export function communicationReport(incidents: ReportIncident[], now: Date) {
  const records = incidents.map((i) => incidentRecord(i, now));
  const bySeverity = SEVERITIES.map((severity) => {
    const mine = records.filter((r) => r.severity === severity);
    const first = mine.map((r) => r.minutesToFirstPublicUpdate).filter((m): m is number => m !== null);
    const answered = mine.reduce((n, r) => n + r.updatesOnTime + r.updatesLate, 0);
    const onTime = mine.reduce((n, r) => n + r.updatesOnTime, 0);
    const postmortems = mine.filter((r) => r.postmortemOnTime !== null);
    return {
      severity,
      incidents: mine.length,
      minutesToFirstPublicUpdate: { median: percentile(first, 0.5), p90: percentile(first, 0.9) },
      updatesOnTime: onTime,
      updatesLate: answered - onTime,
      onTimeShare: answered ? Math.round((onTime / answered) * 1000) / 1000 : null,
      worstLatenessMinutes: { median: percentile(mine.map((r) => r.worstLatenessMinutes), 0.5), p90: percentile(mine.map((r) => r.worstLatenessMinutes), 0.9), max: mine.length ? Math.max(...mine.map((r) => r.worstLatenessMinutes)) : null },
      postmortemsOnTime: postmortems.filter((r) => r.postmortemOnTime).length,
      postmortemsLate: postmortems.filter((r) => !r.postmortemOnTime).length,
    };
  }).filter((s) => s.incidents > 0);
  return { bySeverity, incidents: records };
}
