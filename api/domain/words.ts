import { inZone } from './dates.ts';
import type { ComponentStatus } from './component/status.ts';
import type { Impact, IncidentStatus } from './incident/lifecycle.ts';
import type { MaintenanceStatus } from './maintenance/lifecycle.ts';

// The one place Candor's surfaces (page, feeds, emails, responder notices) take their words
// for statuses and their UTC times from.

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** A component status inside a sentence: "partial outage". */
export function componentStatusWords(status: ComponentStatus): string {
  return COMPONENT_STATUS_LABELS[status].toLowerCase();
}

export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const IMPACT_LABELS: Record<Impact, string> = {
  none: 'No impact',
  minor: 'Minor impact',
  major: 'Major impact',
  critical: 'Critical impact',
};

export const MAINTENANCE_STATUS_LABELS: Record<MaintenanceStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

/** A maintenance's status where it stands alone, as in a feed entry's title: "Maintenance in progress". */
export const MAINTENANCE_TITLE_LABELS: Record<MaintenanceStatus, string> = {
  scheduled: 'Scheduled maintenance',
  in_progress: 'Maintenance in progress',
  verifying: 'Maintenance verifying',
  completed: 'Maintenance completed',
  cancelled: 'Maintenance cancelled',
};

/** "2026-11-23 14:05 UTC". */
export function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "14:05 UTC". */
export function utcTime(d: Date): string {
  return `${d.toISOString().slice(11, 16)} UTC`;
}

/** "November 2026". */
export function monthOf(d: Date): string {
  return d.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Whether two times fall on the same UTC day (a window's end then prints as a time only). */
export function sameUtcDay(a: Date, b: Date): boolean {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

/** A time as emails state it: in UTC, or in the operator's zone with UTC beside it ("2026-11-26 11:00 Europe/Berlin (10:00 UTC)"). */
export function stamp(d: Date, zone = 'UTC'): string {
  return zone === 'UTC' ? utc(d) : `${inZone(d, zone)} ${zone} (${utcTime(d)})`;
}
