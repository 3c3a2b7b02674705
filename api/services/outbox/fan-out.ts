import { sql, type SQL } from 'drizzle-orm';
import type { Database, WriteStatement } from '../../../db/client.ts';
import { eventKey, type EmailTemplate } from '../../domain/outbox/events.ts';

/**
 * Confirmed subscribers of every component, or of one of `affected` (a query of component ids),
 * as `s` — of any type but a paused webhook or Slack subscription.
 */
function subscriberAudience(affected: SQL, types: SQL = sql`1`): SQL {
  return sql`FROM subscribers s
    WHERE s.confirmed_at IS NOT NULL AND s.paused_at IS NULL AND ${types}
      AND (s.all_components = 1 OR EXISTS (
        SELECT 1 FROM subscriber_components sc
        WHERE sc.subscriber_id = s.id AND sc.component_id IN (${affected})))`;
}

/** How many subscribers an incident update would reach once it affects `componentIds` too. */
export async function countIncidentAudience(database: Database, incidentId: string, componentIds: string[]): Promise<number> {
  const affected = sql`SELECT component_id FROM incident_components WHERE incident_id = ${incidentId} UNION SELECT value FROM json_each(${JSON.stringify(componentIds)})`;
  const row = await database.db.get<{ n: number }>(sql`SELECT count(*) AS n ${subscriberAudience(affected)}`);
  return Number(row?.n ?? 0);
}

/**
 * One outbox row per confirmed subscriber who asked for this event (all components, or one
 * of `affected`: a query of component ids), as a single set-based INSERT … SELECT inside the
 * change's own transaction: an email for an address, a delivery for a webhook or Slack.
 * Unique on (recipient, event): replaying it adds nothing.
 */
function subscriberFanOut(
  database: Database,
  event: { key: string; template: EmailTemplate; payload: Record<string, string> | null; affected: SQL; at: Date; types?: SQL },
): WriteStatement {
  const at = event.at.getTime();
  const payload = event.payload ? JSON.stringify(event.payload) : null;
  return database.db.run(sql`
    INSERT INTO outbox (recipient, channel, event_key, template, subscriber_id, payload, status, attempts, next_attempt_at, created_at)
    SELECT CASE s.type WHEN 'email' THEN s.email ELSE 'webhook:' || s.id END, CASE s.type WHEN 'email' THEN 'email' ELSE 'webhook' END,
      ${event.key}, ${event.template}, s.id, ${payload}, 'queued', 0, ${at}, ${at}
    ${subscriberAudience(event.affected, event.types)}
    ON CONFLICT (recipient, event_key) DO NOTHING`);
}

/**
 * Webhook subscribers of a component hear each change of its displayed status (Statuspage's
 * `component_update`); email and Slack subscribers hear of incidents and maintenances only.
 */
export function componentUpdateFanOut(
  database: Database,
  change: { intervalId: string; componentId: string; oldStatus: string; newStatus: string; at: Date },
): WriteStatement {
  return subscriberFanOut(database, {
    key: eventKey({ kind: 'component_update', intervalId: change.intervalId }),
    template: 'component-update',
    payload: { component_id: change.componentId, old_status: change.oldStatus, new_status: change.newStatus, at: change.at.toISOString() },
    affected: sql`SELECT ${change.componentId}`,
    at: change.at,
    types: sql`s.type = 'webhook'`,
  });
}

/** Subscribers of the incident's components hear of one of its updates. */
export function incidentUpdateFanOut(database: Database, update: { updateId: string; incidentId: string; at: Date }): WriteStatement {
  return subscriberFanOut(database, {
    key: eventKey({ kind: 'incident_update', updateId: update.updateId }),
    template: 'incident-update',
    payload: null,
    affected: sql`SELECT component_id FROM incident_components WHERE incident_id = ${update.incidentId}`,
    at: update.at,
  });
}

/**
 * Subscribers of the maintenance's components hear of it. `key` makes each once-only email
 * (announced, reminder, started, completed, cancelled) go out once per recipient, ever.
 */
export function maintenanceFanOut(
  database: Database,
  event: { key: string; maintenanceId: string; kind: string; updateId: string | null; at: Date },
): WriteStatement {
  return subscriberFanOut(database, {
    key: event.key,
    template: 'maintenance',
    payload: { maintenance_id: event.maintenanceId, kind: event.kind, ...(event.updateId && { update_id: event.updateId }) },
    affected: sql`SELECT component_id FROM maintenance_components WHERE maintenance_id = ${event.maintenanceId}`,
    at: event.at,
  });
}
