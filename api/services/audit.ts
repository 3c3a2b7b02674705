import type { Database, Statement } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import { newId } from '../../db/ids.ts';
import { and, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { Actor, ServiceContext } from './context.ts';
import { decodeCursor, encodeCursor, type Page } from './paging.ts';

/** The audit-log row for one change, to commit with the change itself. */
export function auditEntry(database: Database, actor: Actor, at: Date, action: string, resource: { type: string; id: string }, detail?: unknown): Statement {
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

export interface AuditFilter {
  /** Who: the user's email or the key's name, as recorded. */
  actor?: string;
  /** An action, or a prefix ending in `.` (`incident.` is every incident action). */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export type AuditEntry = typeof auditLog.$inferSelect;

/** The audit log, newest first, filtered and paged by cursor. */
export async function listAudit(ctx: ServiceContext, filter: AuditFilter): Promise<Page<AuditEntry>> {
  const { db } = ctx.database;
  const where = [
    filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
    filter.action
      ? filter.action.endsWith('.')
        ? sql`substr(${auditLog.action}, 1, ${filter.action.length}) = ${filter.action}`
        : eq(auditLog.action, filter.action)
      : undefined,
    filter.resourceType ? eq(auditLog.resourceType, filter.resourceType) : undefined,
    filter.resourceId ? eq(auditLog.resourceId, filter.resourceId) : undefined,
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.to ? lt(auditLog.at, filter.to) : undefined,
  ];
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    where.push(or(lt(auditLog.at, c.at), and(eq(auditLog.at, c.at), lt(auditLog.id, c.id))));
  }
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(filter.limit + 1);
  const data = rows.slice(0, filter.limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.at, last.id) : null };
}
