import { check, sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

export const apiKeys = sqliteTable('api_keys', {
  id: text().primaryKey(),
  name: text().notNull(),
  /** JSON array of scopes. */
  scopes: text({ mode: 'json' }).$type<string[]>().notNull(),
  /** sha256 of the secret, hex. The secret itself is never stored. */
  secretHash: text().notNull(),
  createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
  lastUsedAt: integer({ mode: 'timestamp_ms' }),
  revokedAt: integer({ mode: 'timestamp_ms' }),
});

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text().primaryKey(),
    at: integer({ mode: 'timestamp_ms' }).notNull(),
    apiKeyId: text(),
    /** The console user who acted (null: an API key or Candor itself). */
    userId: text(),
    actor: text().notNull(),
    action: text().notNull(),
    resourceType: text().notNull(),
    resourceId: text().notNull(),
    detail: text({ mode: 'json' }),
    requestId: text(),
  },
  (t) => [index('audit_log_resource_idx').on(t.resourceType, t.resourceId), index('audit_log_at_idx').on(t.at, t.id)],
);

/** A POST's first response, replayed to a retry that sends the same Idempotency-Key. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    apiKeyId: text().notNull(),
    key: text().notNull(),
    method: text().notNull(),
    path: text().notNull(),
    requestHash: text().notNull(),
    /** null while the first request is still running. */
    responseStatus: integer(),
    responseBody: text(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] })],
);

/** Single-row table: a counter every write bumps, so caches know when to rebuild. */
export const changeCounter = sqliteTable('change_counter', {
  id: integer().primaryKey(),
  value: integer().notNull(),
});

/**
 * Single-row guard for optimistic writes: a write that must change exactly one row (an
 * incident at the version its use case read) is followed in its transaction by an upsert of
 * `changes()` here, which the CHECK refuses unless that was 1 — so a stale write aborts whole.
 */
export const writeGuard = sqliteTable('write_guard', { id: integer().primaryKey(), changed: integer().notNull() }, (t) => [
  check('write_guard_changed_one', sql`${t.changed} = 1`),
]);
