import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, index, primaryKey, uniqueIndex, check, blob } from 'drizzle-orm/sqlite-core';
import { OUTBOX_CHANNELS, OUTBOX_STATUSES } from '../../api/domain/outbox/delivery.ts';
import { SUBSCRIBER_TYPES } from '../../api/domain/subscribers/endpoint.ts';
import { EMAIL_TEMPLATES } from '../../api/domain/outbox/events.ts';
import { components } from './components.ts';

export const subscribers = sqliteTable(
  'subscribers',
  {
    id: text().primaryKey(),
    /** How updates reach it: an email, a signed JSON webhook, or a Slack incoming webhook. */
    type: text({ enum: SUBSCRIBER_TYPES }).notNull().default('email'),
    /** Lower-cased. An email subscriber's address (one subscription per address); a webhook's or Slack's address for confirmation and failure notices. */
    email: text().notNull(),
    /** A webhook's or Slack's URL (one subscription per URL); null for email. */
    endpoint: text(),
    /** A webhook's Standard Webhooks secret (`whsec_…`), shown once when it is created. */
    signingSecret: text(),
    /** A webhook or Slack subscription stops receiving after too many failures in a row, until resumed. */
    pausedAt: integer({ mode: 'timestamp_ms' }),
    consecutiveFailures: integer().notNull().default(0),
    lastError: text(),
    lastErrorAt: integer({ mode: 'timestamp_ms' }),
    /** Null until the address confirmed (double opt-in); unconfirmed subscribers get nothing else. */
    confirmedAt: integer({ mode: 'timestamp_ms' }),
    /** sha256 of the pending confirmation token, and when it stops working. */
    confirmTokenHash: text(),
    confirmExpiresAt: integer({ mode: 'timestamp_ms' }),
    /** True: every component; false: only those in subscriber_components. */
    allComponents: integer({ mode: 'boolean' }).notNull().default(true),
    /** Part of the manage/unsubscribe token's signature: bumping it voids old links. */
    tokenVersion: integer().notNull().default(1),
    source: text({ enum: ['page', 'admin', 'import'] }).notNull(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('subscribers_email_idx').on(t.email).where(sql`type = 'email'`),
    uniqueIndex('subscribers_endpoint_idx').on(t.endpoint).where(sql`endpoint IS NOT NULL`),
    index('subscribers_confirm_idx').on(t.confirmTokenHash),
  ],
);

export const subscriberComponents = sqliteTable(
  'subscriber_components',
  {
    subscriberId: text()
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => components.id),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.componentId] }), index('subscriber_components_component_idx').on(t.componentId)],
);

/** One row per (recipient, event): written with the change that causes it, sent by the outbox worker. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    /** An email address, or `webhook:<subscriber id>` for a webhook or Slack delivery. */
    recipient: text().notNull(),
    /** Which sender delivers it: the email provider in batches, or one signed POST per row. */
    channel: text({ enum: OUTBOX_CHANNELS }).notNull().default('email'),
    /** What happened, e.g. `incident_update:<id>`; with recipient, unique: no email twice. */
    eventKey: text().notNull(),
    template: text({ enum: EMAIL_TEMPLATES }).notNull(),
    /** The subscriber it is for (links in the email), when it is for one. */
    subscriberId: text(),
    /** Template data that is not in the database (e.g. a confirmation token). */
    payload: text({ mode: 'json' }).$type<Record<string, string>>(),
    status: text({ enum: OUTBOX_STATUSES }).notNull().default('queued'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: integer({ mode: 'timestamp_ms' }).notNull(),
    /** The batch this row is sent in; kept across retries so the provider's idempotency key stays the same, cleared once it is settled. */
    batchKey: text(),
    leaseUntil: integer({ mode: 'timestamp_ms' }),
    providerId: text(),
    lastError: text(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
    sentAt: integer({ mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('outbox_recipient_event_idx').on(t.recipient, t.eventKey),
    // Claims walk queued rows in id order and stop after one batch: O(batch), not O(queue).
    index('outbox_channel_queue_idx').on(t.channel, t.status, t.id),
    // Only batches in flight keep their key, so looking for one to retry stays cheap.
    index('outbox_in_flight_idx').on(t.batchKey).where(sql`batch_key IS NOT NULL`),
    index('outbox_subscriber_idx').on(t.subscriberId),
    // What one event sent, per status (an incident's page, the outbox screen, "was it told?").
    index('outbox_event_idx').on(t.eventKey, t.status),
    // When the outbox next has something due, read every pulse: the earliest queued attempt and the
    // earliest lease in flight are each the first entry of an index of those rows only (a row
    // leaves it when its status changes), not a scan of the outbox.
    index('outbox_queued_due_idx').on(t.nextAttemptAt).where(sql`status = 'queued'`),
    index('outbox_sending_lease_idx').on(t.leaseUntil).where(sql`status = 'sending'`),
  ],
);

/**
 * A batch's request as first sent (gzipped JSON of its row ids and messages), kept until the
 * batch settles: a retry — after a refusal or a crash — sends the same bytes under the same
 * idempotency key, whatever changed since.
 */
export const outboxBatches = sqliteTable('outbox_batches', {
  batchKey: text().primaryKey(),
  body: blob({ mode: 'buffer' }).notNull(),
  createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
});

/**
 * A subscriber event's email (an incident update, a maintenance step) as first rendered, before
 * each recipient's links: every sender in every process, and every retry, personalises this one
 * — so a fan-out's retries send the bytes first sent without keeping each batch.
 */
export const outboxEvents = sqliteTable('outbox_events', {
  eventKey: text().primaryKey(),
  /** JSON: the sender, the subject and the prepared HTML and text. */
  email: text().notNull(),
  createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
});

/**
 * The rest of a fan-out too large for its change's own transaction. The change commits with its
 * first subscribers' outbox rows and this row; senders then add the others a chunk at a time, in
 * subscriber id order, each chunk in a short transaction of its own, so a large audience never
 * holds the write lock (or the server's event loop) for long.
 */
export const fanOuts = sqliteTable('fan_outs', {
  id: integer().primaryKey({ autoIncrement: true }),
  eventKey: text().notNull(),
  template: text({ enum: EMAIL_TEMPLATES }).notNull(),
  /** The outbox rows' payload, as stored there (JSON text), or null. */
  payload: text(),
  /** JSON array: the components the event affected when it was committed. */
  components: text().notNull(),
  /** Only subscribers of this type (component updates reach webhooks only); null: every type. */
  onlyType: text({ enum: SUBSCRIBER_TYPES }),
  /** The event's time: the rows' attempt and creation time. */
  at: integer().notNull(),
  /** The last subscriber id given a row so far. */
  after: text().notNull(),
});

/** Fixed-window counters for public write endpoints (shared by every instance). */
export const rateLimits = sqliteTable('rate_limits', {
  key: text().primaryKey(),
  windowStart: integer({ mode: 'timestamp_ms' }).notNull(),
  count: integer().notNull(),
});

/** Deployment-wide settings, e.g. the signing secret when none is configured. */
export const settings = sqliteTable('settings', {
  key: text().primaryKey(),
  value: text().notNull(),
});

/**
 * Who leads the singleton workers (clocks, the cadence watcher) until when. `epoch` grows each
 * time the lease changes hands: a leader's writes carry the epoch it holds (`lease_fence`).
 */
export const leases = sqliteTable('leases', {
  name: text().primaryKey(),
  owner: text().notNull(),
  expiresAt: integer({ mode: 'timestamp_ms' }).notNull(),
  epoch: integer().notNull().default(0),
});

/**
 * Single-row fence: a leader's write batch begins with an upsert of whether it still holds its
 * lease at its epoch, which the CHECK refuses unless it does — so a leader that lost the lease
 * (paused, partitioned, slow to commit) cannot write after its successor started.
 */
export const leaseFence = sqliteTable('lease_fence', { id: integer().primaryKey(), held: integer().notNull() }, (t) => [
  check('lease_fence_held', sql`${t.held} = 1`),
]);

/** Responder notices (reminders, overdue, escalation) already sent: one row per notice, ever. */
export const cadenceNotices = sqliteTable('cadence_notices', {
  key: text().primaryKey(),
  incidentId: text().notNull(),
  kind: text({ enum: ['reminder', 'overdue', 'escalation', 'postmortem_reminder', 'postmortem_overdue', 'draft'] }).notNull(),
  /** The deadline the notice is about. */
  dueAt: integer({ mode: 'timestamp_ms' }).notNull(),
  createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
  /** Webhook delivery: pending until the receiver answered 2xx (or none is configured). */
  webhookStatus: text({ enum: ['none', 'pending', 'sent', 'failed'] }).notNull(),
});
