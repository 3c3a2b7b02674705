import type { Database, WriteStatement } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import { newId } from '../../db/ids.ts';
import type { Actor } from './context.ts';

/** The audit-log row for one change, to commit with the change itself. */
export function auditEntry(
  database: Database,
  actor: Actor,
  at: Date,
  action: string,
  resource: { type: string; id: string },
  detail?: unknown,
): WriteStatement {
  return database.db.insert(auditLog).values({
    id: newId(),
    at,
    apiKeyId: actor.apiKeyId,
    userId: actor.userId ?? null,
    actor: actor.name,
    action,
    resourceType: resource.type,
    resourceId: resource.id,
    detail: detail ?? null,
    requestId: actor.requestId ?? null,
  });
}
