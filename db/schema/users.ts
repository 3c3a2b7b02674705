import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ROLES } from '../../api/domain/access.ts';
import { SEVERITIES } from '../../api/domain/incident/lifecycle.ts';
import type { ComponentStatus } from '../../api/domain/component/status.ts';
import { timestamps } from './columns.ts';

/** People who sign in to the console. */
export const users = sqliteTable(
  'users',
  {
    id: text().primaryKey(),
    /** Lower-cased; one account per address. */
    email: text().notNull(),
    name: text(),
    role: text({ enum: ROLES }).notNull(),
    /** scrypt, `scrypt$N$r$p$salt$hash`; null until the user sets a password (email links still work). */
    passwordHash: text(),
    /** A disabled user cannot sign in and their sessions end. */
    disabledAt: integer({ mode: 'timestamp_ms' }),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_email_idx').on(t.email)],
);

/** A signed-in browser. The cookie holds the token; only its sha256 is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Sent back in every console form: a request another site forges cannot know it. */
    csrfToken: text().notNull(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer({ mode: 'timestamp_ms' }).notNull(),
    /** Set by sign-out (one browser or all of them); an ended session never works again. */
    endedAt: integer({ mode: 'timestamp_ms' }),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** One-time sign-in links (sign-in by email, invitations, the first owner's link). */
export const signInLinks = sqliteTable(
  'sign_in_links',
  {
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text({ enum: ['sign_in', 'invite'] }).notNull(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer({ mode: 'timestamp_ms' }).notNull(),
    usedAt: integer({ mode: 'timestamp_ms' }),
  },
  (t) => [index('sign_in_links_user_idx').on(t.userId)],
);

/** A prepared incident: what declaring from it fills in. */
export const incidentTemplates = sqliteTable('incident_templates', {
  id: text().primaryKey(),
  name: text().notNull(),
  title: text().notNull(),
  body: text().notNull(),
  severity: text({ enum: SEVERITIES }).notNull(),
  customerVisible: integer({ mode: 'boolean' }).notNull().default(false),
  components: text({ mode: 'json' }).$type<{ id: string; status: ComponentStatus }[]>().notNull(),
  ...timestamps,
});
