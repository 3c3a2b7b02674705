import { sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../../../db/client.ts';

/**
 * One outbox row per contact of every customer the incident affects (a component in their
 * scope, or every component), as one INSERT … SELECT in the update's transaction. Unique on
 * (recipient, event): an update that adds components reaches only the newly affected.
 */
export function customerFanOut(
  database: Database,
  input: { incidentId: string; eventKey: string; template: 'customer-notice' | 'customer-resolution'; at: Date },
): Statement {
  const at = input.at.getTime();
  return database.db.run(sql`
    INSERT INTO outbox (recipient, event_key, template, payload, status, attempts, next_attempt_at, created_at)
    SELECT DISTINCT contact.value, ${input.eventKey}, ${input.template},
           json_object('customer_id', c.id, 'incident_id', ${input.incidentId}), 'queued', 0, ${at}, ${at}
    FROM customers c, json_each(c.contacts) contact
    WHERE ${affectedCustomer(sql`SELECT component_id FROM incident_components WHERE incident_id = ${input.incidentId}`)}
    ON CONFLICT (recipient, event_key) DO NOTHING`);
}

/** Whether customer `c` has one of `affected` (a query of component ids) in scope. */
function affectedCustomer(affected: SQL): SQL {
  return sql`EXISTS (
      SELECT 1 FROM (${affected}) a
      WHERE c.all_components = 1 OR a.component_id IN (SELECT component_id FROM customer_components cc WHERE cc.customer_id = c.id))`;
}

/** The customers an incident update would reach once it affects `componentIds` too. */
export function incidentCustomers(database: Database, incidentId: string, componentIds: string[]) {
  const affected = sql`SELECT component_id FROM incident_components WHERE incident_id = ${incidentId} UNION SELECT value FROM json_each(${JSON.stringify(componentIds)})`;
  return database.db.all<{ id: string; name: string }>(sql`SELECT c.id, c.name FROM customers c WHERE ${affectedCustomer(affected)} ORDER BY c.name`);
}
