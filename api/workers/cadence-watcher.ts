import { and, eq, inArray, isNotNull, isNull, ne, or } from 'drizzle-orm';
import { cadenceNotices, incidents, outbox } from '../../db/schema/index.ts';
import { INTERNAL, type Statement } from '../../db/client.ts';
import { nextNoticeAt, nextPostmortemNoticeAt, noticesDue } from '../domain/incident/cadence.ts';
import { loadCadencePolicy } from '../services/policy.ts';
import { publicIncident } from '../services/public/incidents.ts';
import { LeadingWorker, type WorkerOptions } from './leading-worker.ts';
import { postToResponders } from './responder-webhook.ts';
import { utc } from '../domain/words.ts';
import { eventKey } from '../domain/outbox/events.ts';

export interface WatcherOptions extends WorkerOptions {
  publicUrl: string;
  /** Where notices go when an incident names no commander or escalation contact. */
  defaultCommander?: string;
  defaultEscalation?: string;
  /** Slack-compatible webhook for notices (`{text}` POST). */
  webhookUrl?: string;
}

/** How soon a notice webhook that failed is tried again. */
const WEBHOOK_RETRY_MS = 30_000;
const DAY = 24 * 60 * 60 * 1000;
const isEmail = (s: string | null | undefined): s is string => !!s && /^[^\s@]+@[^\s@]+$/.test(s);

interface Notice {
  key: string;
  incidentId: string;
  kind: (typeof cadenceNotices.$inferSelect)['kind'];
  dueAt: Date;
  recipient: string | null;
  headline: string;
  message: string;
  title: string;
}

/**
 * Reminds and escalates responders about next-update deadlines and owed postmortems. One
 * watcher leads at a time across instances (a lease row); each notice is recorded with its
 * email in one transaction, so it goes out once per deadline across restarts and instances.
 */
export class CadenceWatcher extends LeadingWorker {
  private readonly options: WatcherOptions;
  /** Keys of notices due at the last pass that are known to be recorded. */
  private readonly recorded = new Set<string>();

  constructor(options: WatcherOptions) {
    super('cadence-watcher', options);
    this.options = options;
  }

  /** One pass: record and send what is due, then retry webhooks still pending; returns when the next notice falls due. */
  protected async work(): Promise<Date | null> {
    const { notices, next } = await this.dueNotices();
    if (notices.length) await this.record(notices);
    const pending = await this.deliverWebhooks();
    const times = [next, pending ? this.ctx.now().getTime() + WEBHOOK_RETRY_MS : null].filter((t) => t !== null);
    return times.length ? new Date(Math.min(...times)) : null;
  }

  /** The notices due now and not yet recorded, and the times later notices fall due. */
  private async dueNotices(): Promise<{ notices: Notice[]; next: number | null }> {
    const { ctx } = this;
    const { db } = ctx.database;
    const now = ctx.now();
    const policy = await loadCadencePolicy(ctx);
    // Only what a notice says: a long history owes many postmortems, read on every pass.
    const open = await db
      .select({
        id: incidents.id,
        title: incidents.title,
        severity: incidents.severity,
        draft: incidents.draft,
        nextUpdateDueAt: incidents.nextUpdateDueAt,
        commander: incidents.commander,
        escalationContact: incidents.escalationContact,
      })
      .from(incidents)
      .where(
        and(ne(incidents.status, 'resolved'), isNotNull(incidents.nextUpdateDueAt), or(publicIncident, eq(incidents.draft, true)), eq(incidents.demo, false)),
      );
    const owed = await db
      .select({
        id: incidents.id,
        title: incidents.title,
        severity: incidents.severity,
        commander: incidents.commander,
        postmortemDueAt: incidents.postmortemDueAt,
      })
      .from(incidents)
      .where(and(eq(incidents.status, 'resolved'), isNotNull(incidents.postmortemDueAt), isNull(incidents.postmortemPublishedAt), eq(incidents.demo, false)));
    // Each notice due now is written out only if it is not known to be recorded already (a notice
    // is never unrecorded); keys no longer due are forgotten, so the memory holds one pass's keys.
    const dueKeys = new Set<string>();
    const notices: Notice[] = [];
    const consider = (key: string, notice: () => Omit<Notice, 'key'>) => {
      dueKeys.add(key);
      if (!this.recorded.has(key)) notices.push({ key, ...notice() });
    };
    let next = Number.POSITIVE_INFINITY;
    const time = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;
    for (const i of open) {
      const due = i.nextUpdateDueAt!;
      // A draft from an alert: responders hear of it at once, and of its deadline as of any other.
      if (i.draft)
        consider(`draft:${i.id}`, () => ({
          incidentId: i.id,
          kind: 'draft',
          dueAt: due,
          title: i.title,
          recipient: i.commander ?? this.options.defaultCommander ?? null,
          headline: 'Draft incident from an alert',
          message: `An alert opened this ${i.severity} draft. Nothing is public yet: publish it with an update in your own words by ${time(due)}, or resolve it if the alert was wrong.`,
        }));
      const later = nextNoticeAt(due, now, policy);
      if (later) next = Math.min(next, later.getTime());
      for (const kind of noticesDue(due, now, policy)) {
        const late = Math.round((now.getTime() - due.getTime()) / 60_000);
        consider(`${kind}:${i.id}:${due.getTime()}`, () => ({
          incidentId: i.id,
          kind,
          dueAt: due,
          title: i.title,
          recipient:
            kind === 'escalation' ? (i.escalationContact ?? this.options.defaultEscalation ?? null) : (i.commander ?? this.options.defaultCommander ?? null),
          headline: kind === 'reminder' ? 'Public update due soon' : kind === 'overdue' ? 'Public update overdue' : 'Escalation: public update overdue',
          message:
            kind === 'reminder'
              ? `The next public update on this ${i.severity} incident is due by ${time(due)}.`
              : `The public update on this ${i.severity} incident was due at ${time(due)} and is ${late} min late. Post an update now: customers are waiting.`,
        }));
      }
    }
    for (const i of owed) {
      const due = i.postmortemDueAt!;
      next = Math.min(next, nextPostmortemNoticeAt(due, now).getTime());
      const overdue = now.getTime() >= due.getTime();
      if (!overdue && now.getTime() < due.getTime() - DAY) continue;
      consider(overdue ? `postmortem_overdue:${i.id}:${Math.floor((now.getTime() - due.getTime()) / DAY)}` : `postmortem_reminder:${i.id}`, () => ({
        incidentId: i.id,
        kind: overdue ? 'postmortem_overdue' : 'postmortem_reminder',
        dueAt: due,
        title: i.title,
        recipient: i.commander ?? this.options.defaultCommander ?? null,
        headline: overdue ? 'Postmortem overdue' : 'Postmortem due within a day',
        message: `The postmortem of this ${i.severity} incident is due by ${utc(due)}.`,
      }));
    }
    for (const key of this.recorded) if (!dueKeys.has(key)) this.recorded.delete(key);
    if (notices.length) {
      const sent = await db
        .select({ key: cadenceNotices.key })
        .from(cadenceNotices)
        .where(
          inArray(
            cadenceNotices.key,
            notices.map((n) => n.key),
          ),
        );
      for (const { key } of sent) this.recorded.add(key);
    }
    return { notices: notices.filter((n) => !this.recorded.has(n.key)), next: Number.isFinite(next) ? next : null };
  }

  /** Each notice and its email in one transaction; unique keys make a repeat a no-op. */
  private async record(notices: Notice[]): Promise<void> {
    const { publicUrl, webhookUrl, logger } = this.options;
    const { database } = this.ctx;
    const now = this.ctx.now();
    const statements: Statement[] = [];
    for (const n of notices) {
      statements.push(
        database.db
          .insert(cadenceNotices)
          .values({ key: n.key, incidentId: n.incidentId, kind: n.kind, dueAt: n.dueAt, createdAt: now, webhookStatus: webhookUrl ? 'pending' : 'none' })
          .onConflictDoNothing(),
      );
      if (isEmail(n.recipient)) {
        statements.push(
          database.db
            .insert(outbox)
            .values({
              recipient: n.recipient,
              eventKey: eventKey({ kind: 'notice', key: n.key }),
              template: 'responder-notice',
              payload: {
                headline: n.headline,
                title: n.title,
                message: n.message,
                incident_url: n.kind === 'draft' ? `${publicUrl}/admin/incidents/${n.incidentId}` : `${publicUrl}/incidents/${n.incidentId}`,
              },
              nextAttemptAt: now,
              createdAt: now,
            })
            .onConflictDoNothing(),
        );
      }
      logger.info('responder notice', { kind: n.kind, incident: n.incidentId, due_at: n.dueAt.toISOString(), recipient: n.recipient });
    }
    await database.exclusive(() => database.commit(statements, INTERNAL));
    for (const n of notices) this.recorded.add(n.key);
  }

  /** Posts the notices still pending to the responder webhook; true when some remain pending. */
  private async deliverWebhooks(): Promise<boolean> {
    const { webhookUrl, publicUrl, logger } = this.options;
    if (!webhookUrl) return false;
    const { database } = this.ctx;
    const { db } = database;
    const pending = await db
      .select({
        key: cadenceNotices.key,
        kind: cadenceNotices.kind,
        incidentId: cadenceNotices.incidentId,
        dueAt: cadenceNotices.dueAt,
        title: incidents.title,
        severity: incidents.severity,
      })
      .from(cadenceNotices)
      .innerJoin(incidents, eq(incidents.id, cadenceNotices.incidentId))
      .where(eq(cadenceNotices.webhookStatus, 'pending'))
      .limit(50);
    for (const n of pending) {
      const text = `${n.kind.replace('_', ' ')} — ${n.severity} "${n.title}": deadline ${n.dueAt.toISOString()} (${publicUrl}/incidents/${n.incidentId})`;
      const candor = { kind: n.kind, incident_id: n.incidentId, due_at: n.dueAt.toISOString(), notice: n.key };
      // Not answered: still pending, tried again on the next pass.
      if (await postToResponders(webhookUrl, text, candor, logger))
        await database.commit([db.update(cadenceNotices).set({ webhookStatus: 'sent' }).where(eq(cadenceNotices.key, n.key))], INTERNAL);
    }
    return pending.length > 0 && (await db.$count(cadenceNotices, eq(cadenceNotices.webhookStatus, 'pending'))) > 0;
  }
}
