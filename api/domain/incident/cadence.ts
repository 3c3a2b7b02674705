import { CadenceViolation, type FieldError } from '../errors.ts';
import { SEVERITIES, type IncidentStatus, type Severity } from './lifecycle.ts';

/** How often the public must hear about an incident of one severity (minutes; null: no rule). */
interface SeverityCadence {
  /** First public update within this long of the impact start (report) and of publication (deadline). */
  firstUpdateMinutes: number | null;
  /** Then at least every this long. */
  everyMinutes: number | null;
  /** Affected customers emailed within this long. */
  customerEmailMinutes: number | null;
  /** Postmortem published within this long of resolution. */
  postmortemHours: number | null;
}

export interface CadencePolicy {
  severities: Record<Severity, SeverityCadence>;
  /** Remind the commander this long before a deadline. */
  reminderLeadMinutes: number;
  /** Escalate this long after a missed deadline. */
  escalationGraceMinutes: number;
}

/** The playbooks' defaults; a team may tighten them (e.g. SEV-1 every 15 min). */
export const DEFAULT_CADENCE_POLICY: CadencePolicy = {
  severities: {
    'SEV-1': { firstUpdateMinutes: 20, everyMinutes: 30, customerEmailMinutes: 30, postmortemHours: 48 },
    'SEV-2': { firstUpdateMinutes: 60, everyMinutes: 60, customerEmailMinutes: 120, postmortemHours: 72 },
    // SEV-3 postmortems are recommended, not owed: a team that wants them enforced sets postmortem_hours.
    'SEV-3': { firstUpdateMinutes: 240, everyMinutes: 240, customerEmailMinutes: null, postmortemHours: null },
    'SEV-4': { firstUpdateMinutes: null, everyMinutes: null, customerEmailMinutes: null, postmortemHours: null },
  },
  reminderLeadMinutes: 5,
  escalationGraceMinutes: 10,
};

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface CadenceState {
  severity: Severity;
  status: IncidentStatus;
  /** When the incident became public (null: internal, nothing owed). */
  publishedAt: Date | null;
  /** The last public update, or null when the public has heard nothing yet. */
  lastPublicUpdateAt: Date | null;
  /** A draft that will be public once a person publishes it: its first public update is owed from here. */
  draftSince?: Date | null;
}

/**
 * When the public is owed its next update: none once resolved or while not public; else the
 * first-update deadline from publication (or, for a draft that will be public, from its
 * opening) while nothing public was said, then the last public
 * update plus the severity's interval. Pure function of the state; re-run on every change, so a
 * severity upgrade can make an incident due at once.
 */
export function nextUpdateDue(state: CadenceState, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): Date | null {
  const from = state.publishedAt ?? state.draftSince ?? null;
  if (state.status === 'resolved' || !from) return null;
  const rule = policy.severities[state.severity];
  if (!state.lastPublicUpdateAt) {
    return rule.firstUpdateMinutes === null ? null : new Date(from.getTime() + rule.firstUpdateMinutes * MINUTE);
  }
  return rule.everyMinutes === null ? null : new Date(state.lastPublicUpdateAt.getTime() + rule.everyMinutes * MINUTE);
}

/**
 * An operator may promise the next update earlier than the policy's deadline, never later,
 * and never in the past. Returns the deadline to keep.
 */
export function promisedDeadline(
  policyDue: Date | null,
  promised: Date | null,
  now: Date,
  severity: Severity,
  policy: CadencePolicy = DEFAULT_CADENCE_POLICY,
): Date | null {
  if (!promised) return policyDue;
  const every = policy.severities[severity].everyMinutes;
  if (policyDue && promised > policyDue) {
    throw new CadenceViolation(`The next update is due by ${policyDue.toISOString()} at the latest`, [
      { path: 'next_update_at', message: `must be no later than ${policyDue.toISOString()} (${severity}: at least every ${every} min)` },
    ]);
  }
  if (promised <= now) {
    throw new CadenceViolation('The promised time has already passed', [{ path: 'next_update_at', message: `must be after now (${now.toISOString()})` }]);
  }
  return promised;
}

/** Checks a policy: positive whole minutes, first update at least a minute away, sane limits. */
export function validatePolicy(policy: CadencePolicy): FieldError[] {
  const errors: FieldError[] = [];
  const minutes = (path: string, value: number | null, min: number, max: number) => {
    if (value === null) return;
    if (!Number.isInteger(value) || value < min || value > max) errors.push({ path, message: `must be a whole number from ${min} to ${max}` });
  };
  for (const severity of SEVERITIES) {
    const rule = policy.severities[severity];
    minutes(`severities.${severity}.first_update_minutes`, rule.firstUpdateMinutes, 1, 7 * 24 * 60);
    minutes(`severities.${severity}.every_minutes`, rule.everyMinutes, 1, 7 * 24 * 60);
    minutes(`severities.${severity}.customer_email_minutes`, rule.customerEmailMinutes, 1, 7 * 24 * 60);
    minutes(`severities.${severity}.postmortem_hours`, rule.postmortemHours, 1, 90 * 24);
    if ((rule.firstUpdateMinutes === null) !== (rule.everyMinutes === null)) {
      errors.push({ path: `severities.${severity}.every_minutes`, message: 'set both first_update_minutes and every_minutes, or neither' });
    }
  }
  minutes('reminder_lead_minutes', policy.reminderLeadMinutes, 0, 24 * 60);
  minutes('escalation_grace_minutes', policy.escalationGraceMinutes, 0, 24 * 60);
  return errors;
}

/** A postmortem is owed by resolution + the severity's `postmortem_hours`; none where the policy sets none. */
export function postmortemDue(severity: Severity, resolvedAt: Date, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): Date | null {
  const hours = policy.severities[severity].postmortemHours;
  return hours === null ? null : new Date(resolvedAt.getTime() + hours * 3_600_000);
}

/**
 * Whether a public incident of this severity owes affected customers emails (a notice, then
 * their figures at resolution): where the policy sets `customer_email_minutes`.
 */
export function owesCustomerEmails(severity: Severity, published: boolean, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): boolean {
  return published && policy.severities[severity].customerEmailMinutes !== null;
}

/** When affected customers had to be emailed by: the severity's window from publication. */
export function customerEmailDue(severity: Severity, publishedAt: Date, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): Date | null {
  const minutes = policy.severities[severity].customerEmailMinutes;
  return minutes === null ? null : new Date(publishedAt.getTime() + minutes * MINUTE);
}

/** A responder notice the watcher owes at `now` for one deadline, if any (the latest stage reached). */
export type NoticeKind = 'reminder' | 'overdue' | 'escalation';

/**
 * Which notices are due for a next-update deadline at `now`: a reminder from `lead` before it,
 * an overdue notice once it passes, an escalation after the grace period. Each is sent once per
 * deadline (the caller records them); all reached stages are returned, oldest first.
 */
export function noticesDue(due: Date, now: Date, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): NoticeKind[] {
  const t = now.getTime();
  const d = due.getTime();
  const out: NoticeKind[] = [];
  if (t >= d - policy.reminderLeadMinutes * MINUTE && t < d) out.push('reminder');
  if (t >= d) out.push('overdue');
  if (t >= d + policy.escalationGraceMinutes * MINUTE) out.push('escalation');
  return out;
}

/** When the next notice for a next-update deadline falls due after `now` (null: all sent stages reached). */
export function nextNoticeAt(due: Date, now: Date, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): Date | null {
  const d = due.getTime();
  const stages = [d - policy.reminderLeadMinutes * MINUTE, d, d + policy.escalationGraceMinutes * MINUTE];
  const next = stages.find((t) => t > now.getTime());
  return next === undefined ? null : new Date(next);
}

/**
 * When the next postmortem notice falls due after `now`: a reminder a day before the due
 * date, then an overdue notice at it and every day after until it is published.
 */
export function nextPostmortemNoticeAt(due: Date, now: Date): Date {
  const d = due.getTime();
  const t = now.getTime();
  if (t < d - DAY) return new Date(d - DAY);
  if (t < d) return due;
  return new Date(d + (Math.floor((t - d) / DAY) + 1) * DAY);
}

/** Whether the public's next update is overdue at `now` (the deadline has passed unanswered). */
export function updateOverdue(nextUpdateDueAt: Date | null, now: Date): boolean {
  return nextUpdateDueAt !== null && now.getTime() > nextUpdateDueAt.getTime();
}

const minutesWords = (m: number) => (m % 60 === 0 ? `${m / 60} h` : `${m} min`);

/** What a severity's policy means, in plain words (the console shows it beside the choice). */
export function policyWords(severity: Severity, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): string[] {
  const rule = policy.severities[severity];
  return [
    severity === 'SEV-3'
      ? 'Public only when marked customer-visible'
      : severity === 'SEV-4'
        ? 'Internal: not on the public page'
        : 'Public from the moment it is declared',
    rule.firstUpdateMinutes === null ? 'No first-update deadline' : `First public update within ${minutesWords(rule.firstUpdateMinutes)}`,
    rule.everyMinutes === null ? 'No update cadence' : `Then a public update at least every ${minutesWords(rule.everyMinutes)}`,
    rule.customerEmailMinutes === null ? 'No customer emails' : `Customers with an SLA emailed within ${minutesWords(rule.customerEmailMinutes)}`,
    rule.postmortemHours === null ? 'Postmortem recommended, not owed' : `Postmortem owed within ${rule.postmortemHours} h of resolution`,
  ];
}

/** What the policy means for one incident declared (and published) at `declaredAt`, in plain words, from the rules' own functions. */
export function policyExample(severity: Severity, declaredAt: Date, policy: CadencePolicy = DEFAULT_CADENCE_POLICY): string {
  const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;
  const rule = policy.severities[severity];
  const first = nextUpdateDue({ severity, status: 'investigating', publishedAt: declaredAt, lastPublicUpdateAt: null }, policy);
  const email = customerEmailDue(severity, declaredAt, policy);
  const parts = [
    first
      ? `A ${severity} declared at ${hhmm(declaredAt)} owes its first public update by ${hhmm(first)}, then one at least every ${minutesWords(rule.everyMinutes ?? 0)}`
      : `A ${severity} declared at ${hhmm(declaredAt)} owes no public updates`,
    email ? `affected customers with an SLA are emailed by ${hhmm(email)}` : 'no customer is emailed',
    rule.postmortemHours === null ? 'a postmortem is recommended, not owed' : `its postmortem is due ${rule.postmortemHours} h after it is resolved`,
  ];
  const reminders = first
    ? ` Its commander is reminded ${policy.reminderLeadMinutes} min before each deadline and the escalation contact told ${policy.escalationGraceMinutes} min after a missed one.`
    : '';
  return `${parts.join('; ')}.${reminders}`;
}
