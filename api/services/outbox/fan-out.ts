import { sql } from 'drizzle-orm';
import type { Database, WriteStatement } from '../../../db/client.ts';

/**
 * One outbox row per confirmed subscriber who asked for this incident (all components, or
 * one the incident affects), as a single set-based INSERT … SELECT inside the update's own
 * transaction. Unique on (recipient, event): replaying it adds nothing.
 */
export function incidentUpdateFanOut(database: Database, update: { updateId: string; incidentId: string; at: Date }): WriteStatement {
  const at = update.at.getTime();
  return database.db.run(sql`
    INSERT INTO outbox (recipient, event_key, template, subscriber_id, status, attempts, next_attempt_at, created_at)
    SELECT s.email, ${`incident_update:${update.updateId}`}, 'incident-update', s.id, 'queued', 0, ${at}, ${at}
    FROM subscribers s
    WHERE s.confirmed_at IS NOT NULL
      AND (s.all_components = 1 OR EXISTS (
        SELECT 1 FROM subscriber_components sc
        JOIN incident_components ic ON ic.component_id = sc.component_id AND ic.incident_id = ${update.incidentId}
        WHERE sc.subscriber_id = s.id))
    ON CONFLICT (recipient, event_key) DO NOTHING`);
}
