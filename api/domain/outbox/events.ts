import type { MaintenanceEmail } from '../maintenance/lifecycle.ts';

/** What an outbox row is rendered from: every email template, and the events a webhook or Slack hears of. */
export const EMAIL_TEMPLATES = [
  'incident-update',
  'maintenance',
  'subscription-confirmation',
  'customer-notice',
  'customer-resolution',
  'customer-statement',
  'responder-notice',
  'sign-in',
  'component-update',
  'webhook-paused',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/**
 * What an outbox row is about. With the recipient, its key is unique: each event reaches each
 * recipient once, ever — so the key says exactly what makes two events the same.
 */
export type OutboxEvent =
  | { kind: 'incident_update'; updateId: string }
  | { kind: 'maintenance'; maintenanceId: string; email: MaintenanceEmail; updateId: string | null; scheduledFor: Date }
  | { kind: 'confirm'; subscriberId: string; tokenHash: string }
  | { kind: 'customer_notice'; incidentId: string }
  | { kind: 'customer_resolution'; incidentId: string; reopenCount: number }
  | { kind: 'statement'; customerId: string; from: Date; to: Date }
  | { kind: 'notice'; key: string }
  | { kind: 'sign_in'; tokenHash: string }
  | { kind: 'component_update'; intervalId: string }
  | { kind: 'webhook_paused'; subscriberId: string; at: Date };

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The event's key in the outbox. */
export function eventKey(e: OutboxEvent): string {
  switch (e.kind) {
    case 'incident_update':
      return `incident_update:${e.updateId}`;
    case 'maintenance':
      // A reminder is per start time (a reschedule earns a new one); a note per update; the rest once ever.
      if (e.email === 'reminder') return `maintenance:${e.maintenanceId}:reminder:${e.scheduledFor.getTime()}`;
      if (e.email === 'update') return `maintenance_update:${e.updateId ?? ''}`;
      return `maintenance:${e.maintenanceId}:${e.email}`;
    case 'confirm':
      return `confirm:${e.subscriberId}:${e.tokenHash.slice(0, 16)}`;
    case 'customer_notice':
      return `customer_notice:${e.incidentId}`;
    case 'customer_resolution':
      return `customer_resolution:${e.incidentId}:${e.reopenCount}`;
    case 'statement':
      return `statement:${e.customerId}:${day(e.from)}..${day(e.to)}`;
    case 'notice':
      return `notice:${e.key}`;
    case 'sign_in':
      return `sign_in:${e.tokenHash.slice(0, 16)}`;
    case 'component_update':
      return `component_update:${e.intervalId}`;
    case 'webhook_paused':
      return `webhook_paused:${e.subscriberId}:${e.at.getTime()}`;
  }
}

/** The period a statement's key names (statement rows keep no payload once sent). */
export function statementPeriodOf(key: string): { from: Date; to: Date } {
  const [from, to] = key.slice(key.lastIndexOf(':') + 1).split('..');
  return { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`) };
}

/** A template name read back from the outbox; an unknown one is a bug, not a blank email. */
export function emailTemplate(name: string): EmailTemplate {
  const found = EMAIL_TEMPLATES.find((t) => t === name);
  if (!found) throw new Error(`unknown email template ${name}`);
  return found;
}
