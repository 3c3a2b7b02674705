import { worstStatus, type ComponentStatus } from '../component/status.ts';
import { Conflict, InvalidTransition, type FieldError } from '../errors.ts';

export const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];

/** What kind of entry an incident update is on the timeline. */
export const UPDATE_KINDS = ['status', 'severity_change', 'reopen', 'note'] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

/** Entries the public sees once the incident is public: status updates and reopens. Severity changes and responders' notes stay internal. */
export function isPublicKind(kind: UpdateKind): boolean {
  return kind === 'status' || kind === 'reopen';
}

const IMPACT_BY_SEVERITY: Record<Severity, Impact> = {
  'SEV-1': 'critical',
  'SEV-2': 'major',
  'SEV-3': 'minor',
  'SEV-4': 'none',
};

/** How many times a resolved incident may be reopened, and for how long after resolution. */
export const REOPEN_POLICY = { maxReopens: 1, windowMs: 24 * 60 * 60 * 1000 };

/** The least impact a component status implies (Statuspage's indicator for that status). */
const IMPACT_BY_COMPONENT_STATUS: Record<ComponentStatus, Impact> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

const higherImpact = (a: Impact, b: Impact): Impact => (IMPACTS.indexOf(a) >= IMPACTS.indexOf(b) ? a : b);

/**
 * The impact an incident states: the operator's override if any, else its severity's — never
 * below what the components it holds show (an outage is not "no impact").
 */
export function impactOf(severity: Severity, override: Impact | null, held: ComponentStatus[] = []): Impact {
  return higherImpact(override ?? IMPACT_BY_SEVERITY[severity], IMPACT_BY_COMPONENT_STATUS[worstStatus(held)]);
}

/** An override may raise the stated impact, never lower it below what the held components show. */
export function checkImpactOverride(override: Impact | null | undefined, held: ComponentStatus[], path = 'impact_override'): FieldError[] {
  if (override === null || override === undefined) return [];
  const floor = IMPACT_BY_COMPONENT_STATUS[worstStatus(held)];
  return higherImpact(override, floor) === override ? [] : [{ path, message: `must be at least ${floor}: the affected components show ${worstStatus(held)}` }];
}

/** Whether incidents of this severity appear on public surfaces (SEV-3 only when marked customer-visible). */
export function isPublic(severity: Severity, customerVisible: boolean): boolean {
  if (severity === 'SEV-4') return false;
  if (severity === 'SEV-3') return customerVisible;
  return true;
}

/**
 * When an incident is public from, after a change to its severity or visibility: once
 * published it stays published (`publishedAt` kept); otherwise from `now` if the new severity
 * and visibility make it public, else still internal (null). A draft stays internal until a
 * person publishes it.
 */
export function publication(publishedAt: Date | null, severity: Severity, customerVisible: boolean, now: Date, draft = false): Date | null {
  return publishedAt ?? (!draft && isPublic(severity, customerVisible) ? now : null);
}

/** A draft's first public update is owed from its opening when publishing it will make it public. */
export function draftSince(incident: { draft: boolean; declaredAt: Date; severity: Severity; customerVisible: boolean }): Date | null {
  return incident.draft && isPublic(incident.severity, incident.customerVisible) ? incident.declaredAt : null;
}

/** A published incident cannot be made internal again: what was public stays public (409). */
export function checkStaysPublic(publishedAt: Date | null, customerVisible: boolean | undefined): void {
  if (publishedAt && customerVisible === false) {
    throw new Conflict(`The incident has been public since ${publishedAt.toISOString()} and stays public; post an update that says what was corrected`, [
      { path: 'customer_visible', message: 'a published incident cannot be made internal' },
    ]);
  }
}

/**
 * An internal incident may not move a component's public status: the page could not name
 * what moved it. Returns one error per such component.
 */
export function checkInternalComponents(isPublicNow: boolean, components: { status: ComponentStatus }[], path = 'components'): FieldError[] {
  if (isPublicNow) return [];
  return components
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.status !== 'operational')
    .map(({ i }) => ({ path: `${path}[${i}].status`, message: 'an internal incident cannot change what the public page shows; make it public first' }));
}

/**
 * Checks an update's status against the lifecycle: any move among the open statuses is
 * allowed (skipping forward, or back when a fix did not hold), including staying put;
 * nothing leaves resolved except an explicit reopen.
 */
export function checkTransition(from: IncidentStatus, to: IncidentStatus): void {
  if (from === 'resolved') {
    throw new InvalidTransition(to === 'resolved' ? 'The incident is already resolved' : `A resolved incident cannot move to ${to}; reopen it instead`);
  }
}

/** Checks that a resolved incident may be reopened now, and to which open status. */
export function checkReopen(
  incident: { status: IncidentStatus; resolvedAt: Date | null; reopenCount: number },
  to: IncidentStatus,
  now: Date,
  policy = REOPEN_POLICY,
): void {
  if (incident.status !== 'resolved' || !incident.resolvedAt) {
    throw new InvalidTransition('Only a resolved incident can be reopened');
  }
  if (to === 'resolved') throw new InvalidTransition('A reopened incident needs an open status');
  if (incident.reopenCount >= policy.maxReopens) {
    throw new InvalidTransition(`The incident was already reopened ${incident.reopenCount} time(s); declare a new one`);
  }
  if (now.getTime() - incident.resolvedAt.getTime() > policy.windowMs) {
    const hours = policy.windowMs / 3_600_000;
    throw new InvalidTransition(`The reopen window of ${hours} h after resolution has passed; declare a new one`);
  }
}
