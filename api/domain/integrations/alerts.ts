import { COMPONENT_STATUSES, worstStatus, type ComponentStatus } from '../component/status.ts';

/** Alert sources Candor takes webhooks from. */
export const INTEGRATION_TYPES = ['alertmanager', 'grafana'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

export const DEFAULT_COMPONENT_LABEL = 'candor_component';
const DEFAULT_SEVERITY_LABEL = 'severity';
export const DEFAULT_SEVERITY_STATUSES: Record<string, ComponentStatus> = {
  critical: 'major_outage',
  warning: 'partial_outage',
  info: 'degraded_performance',
};
/** A status an alert set holds at least this long before alerts may move it again. */
export const DEFAULT_MIN_HOLD_SECONDS = 300;

/** One alert as both Alertmanager and Grafana send it. */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  fingerprint: string;
}

export interface Mapping {
  componentLabel: string;
  severityStatuses: Record<string, ComponentStatus>;
}

export type AlertReading = { kind: 'component'; componentRef: string; status: ComponentStatus; summary: string } | { kind: 'ignored'; reason: string };

/** What an alert says about which component, at which status — or why it says nothing. */
export function readAlert(alert: Alert, mapping: Mapping): AlertReading {
  const componentRef = alert.labels[mapping.componentLabel]?.trim();
  if (!componentRef) return { kind: 'ignored', reason: `no ${mapping.componentLabel} label` };
  const severity = (alert.labels[DEFAULT_SEVERITY_LABEL] ?? '').trim().toLowerCase();
  const status = mapping.severityStatuses[severity];
  if (!status) return { kind: 'ignored', reason: severity ? `severity "${severity}" is not mapped to a component status` : 'no severity label' };
  return { kind: 'component', componentRef, status, summary: alertSummary(alert) };
}

/** An alert's own words for a responder: its summary or description annotation, else its name. */
function alertSummary(alert: Alert): string {
  const text = alert.annotations.summary ?? alert.annotations.description ?? alert.labels.alertname ?? 'Alert';
  return text.slice(0, 500);
}

/** What firing alerts want a component to show: the worst of them, or operational when none fires. */
export function alertStatus(firing: ComponentStatus[]): ComponentStatus {
  return firing.length ? worstStatus(firing) : 'operational';
}

export type HoldDecision = { apply: ComponentStatus } | { wait: ComponentStatus; until: Date } | { none: true };

/**
 * Damps flapping: alerts may move a component only once its last alert-made change has held
 * `minHoldMs`; until then the wanted status waits (and is applied when the hold ends, if still
 * wanted). A change that makes things worse is never held back: an outage shows at once.
 */
export function decideHold(state: { current: ComponentStatus; wanted: ComponentStatus; changedAt: Date | null; minHoldMs: number; now: Date }): HoldDecision {
  if (state.wanted === state.current) return { none: true };
  const worse = COMPONENT_STATUSES.indexOf(state.wanted) > COMPONENT_STATUSES.indexOf(state.current) && state.wanted !== 'under_maintenance';
  const until = state.changedAt ? new Date(state.changedAt.getTime() + state.minHoldMs) : null;
  // Without a minimum hold nothing waits, even when the last change's time is after `now` (a
  // notification taken in by another instance committed after this one read the clock).
  if (worse || !until || state.minHoldMs <= 0 || until <= state.now) return { apply: state.wanted };
  return { wait: state.wanted, until };
}
