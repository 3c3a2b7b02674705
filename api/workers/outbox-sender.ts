import { eq, inArray } from 'drizzle-orm';
import { components, incidentUpdates, subscriberComponents, subscribers } from '../../db/schema/index.ts';
import { decideFailure, type RetryPolicy } from '../domain/outbox/delivery.ts';
import type { Pace } from '../domain/outbox/pace.ts';
import { recordProviderOutcome } from '../services/outbox/trouble.ts';
import { personalise } from '../../emails/personalise.ts';
import { renderIncidentUpdate } from '../../emails/templates/incident-update.ts';
import { renderConfirmation } from '../../emails/templates/subscription-confirmation.ts';
import { renderSignIn } from '../../emails/templates/sign-in.ts';
import type { EmailBrand } from '../../emails/brand.ts';
import { renderResponderNotice } from '../../emails/templates/responder-notice.ts';
import { renderMaintenance } from '../../emails/templates/maintenance.ts';
import { STATEMENT_TEMPLATE, statementEmail } from '../services/customers/statements.ts';
import { resolvedGaps } from '../domain/incident/duration.ts';
import type { MaintenanceEmail } from '../domain/maintenance/lifecycle.ts';
import { getMaintenance } from '../services/maintenances/get.ts';
import type { EmailMessage, Transport } from '../../emails/transports/transport.ts';
import { SenderLoop, type LoopOptions } from './sender-loop.ts';
import { getIncident } from '../services/incidents/get.ts';
import { customerEmail } from '../services/customers/emails.ts';
import {
  claimBatch,
  keptEventEmail,
  markFailed,
  markRetry,
  markSent,
  storeBatch,
  storedBatch,
  type ClaimedBatch,
  type ClaimedRow,
} from '../services/outbox/delivery.ts';
import { confirmUrl, subscriberLinks, type SubscriptionSettings } from '../services/subscribers/links.ts';

export interface SenderOptions extends LoopOptions {
  transport: Transport;
  /** Read at each email (an owner may change the sender and the zone while it runs). */
  settings: SubscriptionSettings & { from: string; emailTimeZone?: string; brand?: EmailBrand };
  leaseMs?: number;
  random?: () => number;
  /** Told of each batch the provider refused or did not answer (metrics). */
  onProviderError?: (status: number | null) => void;
  /** The pace of provider calls, shared by the process's senders (absent: as fast as claimed). */
  pace?: Pace;
  /** Backoff and how long an email is retried (default RETRY_POLICY: 24 h). */
  retryPolicy?: RetryPolicy;
}

type EventEmail = Awaited<ReturnType<typeof renderIncidentUpdate>>;
type KeptEvent = EventEmail & { from: string };

/** The templates of subscriber events: one email per event, personalised per recipient. */
const EVENT_TEMPLATES = new Set(['incident-update', 'maintenance']);

/**
 * Sends the outbox: claims a batch, renders each email (each event's email once, then only the
 * per-recipient links), hands the batch to the transport under the batch's idempotency key,
 * and records the outcome. Any number of senders may run, in any number of processes.
 */
export class OutboxSender extends SenderLoop {
  private readonly options: SenderOptions;
  private readonly events = new Map<string, Promise<KeptEvent>>();

  constructor(options: SenderOptions) {
    super({ ...options, failure: 'outbox sender failed; retrying' });
    this.options = options;
  }

  /** Waits until the provider may be called (a refusal's wait, the advertised rate); `reserve` takes the slot. */
  private async paced(reserve: boolean): Promise<void> {
    const { pace, ctx } = this.options;
    if (!pace) return;
    const now = ctx.now().getTime();
    const at = reserve ? pace.reserve(now) : pace.earliest(now);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  /** Sends one batch; false when there was nothing to send. */
  override async sendNext(): Promise<boolean> {
    const { ctx, transport, logger } = this.options;
    // Nothing is claimed while the provider asked us to wait: the batch stays free for whoever goes first.
    await this.paced(false);
    const batch = await claimBatch(ctx, this.options.leaseMs);
    if (!batch) return false;
    const prepared = await this.prepare(batch);
    if (!prepared) return true;
    const { ids, messages } = prepared;

    await this.paced(true);
    const result = await transport.sendBatch(messages, `candor-outbox-${batch.batchKey}`);
    this.options.pace?.observe(ctx.now().getTime(), {
      status: result.ok ? 200 : result.status,
      rateLimit: result.rateLimit ?? null,
      retryAfterSeconds: result.ok ? null : result.retryAfterSeconds,
    });
    await recordProviderOutcome(ctx, result.ok || (result.status !== null && result.status < 500 && result.status !== 429));
    if (result.ok) {
      await markSent(
        ctx,
        batch.batchKey,
        ids.map((id, i) => ({ id, providerId: result.ids[i]! })),
      );
      return true;
    }
    this.options.onProviderError?.(result.status);
    const rows = batch.rows.filter((r) => ids.includes(r.id));
    const attempts = Math.max(...rows.map((r) => r.attempts));
    const queuedMs = ctx.now().getTime() - Math.min(...rows.map((r) => r.createdAt.getTime()));
    const decision = decideFailure(result, { attempts, queuedMs }, (this.options.random ?? Math.random)(), this.options.retryPolicy);
    if (decision.retry) {
      logger.error('email batch failed; will retry', { batch: batch.batchKey, status: result.status, error: result.message, retry_in_ms: decision.delayMs });
      await markRetry(ctx, batch.batchKey, new Date(ctx.now().getTime() + decision.delayMs), `${result.status ?? 'no answer'}: ${result.message}`);
    } else {
      logger.error('email batch failed for good', { batch: batch.batchKey, reason: decision.reason });
      await markFailed(ctx, ids, decision.reason, batch.batchKey);
    }
    return true;
  }

  /**
   * The batch's request: as first sent when this is a retry (kept in outbox_batches, or made again
   * from the kept event), else composed now and kept before it goes out. A row whose subscriber
   * is gone is dropped (failed) before the first send; null when no row is left.
   */
  private async prepare(batch: ClaimedBatch): Promise<{ ids: number[]; messages: EmailMessage[] } | null> {
    const { ctx } = this.options;
    const firstAttempt = batch.rows.every((r) => r.attempts === 1);
    if (!firstAttempt) {
      const stored = await storedBatch(ctx, batch.batchKey);
      if (stored) return stored;
    }
    const { messages, skipped } = await this.compose(batch.rows, firstAttempt);
    if (skipped.length)
      await markFailed(
        ctx,
        skipped.map((r) => r.id),
        'subscriber removed before sending',
      );
    const ids = batch.rows.filter((r) => !skipped.includes(r)).map((r) => r.id);
    if (!ids.length) return null;
    // A fan-out's batch is made again byte for byte from its kept event; any other is kept whole.
    if (!batch.rows.every((r) => EVENT_TEMPLATES.has(r.template))) await storeBatch(ctx, batch.batchKey, { ids, messages });
    return { ids, messages };
  }

  /**
   * The batch's messages in row order. A row whose subscriber is gone is skipped on a batch's
   * first attempt; on a retry the batch must stay as the provider may already have seen it.
   */
  private async compose(rows: ClaimedRow[], firstAttempt: boolean): Promise<{ messages: EmailMessage[]; skipped: ClaimedRow[] }> {
    const { ctx, settings } = this.options;
    const ids = [...new Set(rows.map((r) => r.subscriberId).filter((id): id is string => id !== null))];
    const found = ids.length ? await ctx.database.db.select().from(subscribers).where(inArray(subscribers.id, ids)) : [];
    const byId = new Map(found.map((s) => [s.id, s]));
    const messages: EmailMessage[] = [];
    // A customer's contacts share one email (and one SLA computation) per batch.
    const customerEmails = new Map<string, ReturnType<typeof customerEmail>>();
    const skipped: ClaimedRow[] = [];
    for (const row of rows) {
      const subscriber = row.subscriberId ? byId.get(row.subscriberId) : undefined;
      if (row.subscriberId && !subscriber && firstAttempt) {
        skipped.push(row);
        continue;
      }
      const links = subscriberLinks(settings, subscriber ?? { id: row.subscriberId ?? 'removed', tokenVersion: 0 });
      if (row.template === 'incident-update' || row.template === 'maintenance') {
        const { from, ...email } = await this.eventEmail(row);
        messages.push({ from, to: row.recipient, ...personalise(email, { email: row.recipient, ...links }) });
      } else if (row.template === 'subscription-confirmation') {
        const filter = subscriber && !subscriber.allComponents ? await this.componentNames(subscriber.id) : null;
        const email = await renderConfirmation({
          pageName: settings.pageName,
          recipient: row.recipient,
          confirmUrl: confirmUrl(settings, row.payload?.token ?? ''),
          brand: settings.brand,
          components: filter,
          delivery:
            subscriber && subscriber.type !== 'email' && subscriber.endpoint
              ? { type: subscriber.type, endpoint: subscriber.endpoint, signingSecret: row.payload?.signing_secret }
              : undefined,
        });
        messages.push({ from: settings.from, to: row.recipient, ...email });
      } else if (row.template === 'customer-notice' || row.template === 'customer-resolution') {
        const input = {
          customerId: row.payload?.customer_id ?? '',
          incidentId: row.payload?.incident_id ?? '',
          kind: row.template === 'customer-notice' ? 'notice' : 'resolution',
        } as const;
        const key = `${input.kind}:${input.customerId}:${input.incidentId}`;
        if (!customerEmails.has(key)) customerEmails.set(key, customerEmail(ctx, input, settings));
        messages.push({ from: settings.from, to: row.recipient, ...(await customerEmails.get(key)!) });
      } else if (row.template === STATEMENT_TEMPLATE) {
        if (!customerEmails.has(row.eventKey)) customerEmails.set(row.eventKey, statementEmail(ctx, row.eventKey, settings));
        messages.push({ from: settings.from, to: row.recipient, ...(await customerEmails.get(row.eventKey)!) });
      } else if (row.template === 'responder-notice') {
        const p = row.payload ?? {};
        const email = await renderResponderNotice({
          pageName: settings.pageName,
          brand: settings.brand,
          headline: p.headline ?? '',
          title: p.title ?? '',
          message: p.message ?? '',
          incidentUrl: p.incident_url ?? settings.publicUrl,
        });
        messages.push({ from: settings.from, to: row.recipient, ...email });
      } else if (row.template === 'sign-in') {
        const p = row.payload ?? {};
        const email = await renderSignIn({
          pageName: settings.pageName,
          brand: settings.brand,
          purpose: p.purpose === 'invite' ? 'invite' : 'sign_in',
          url: p.url ?? settings.publicUrl,
          invitedBy: p.invited_by,
          role: p.role,
        });
        messages.push({ from: settings.from, to: row.recipient, ...email });
      } else if (row.template === 'webhook-paused') {
        const p = row.payload ?? {};
        const email = await renderResponderNotice({
          pageName: settings.pageName,
          brand: settings.brand,
          headline: 'Webhook paused',
          title: p.endpoint ?? '',
          message: `After ${p.failures ?? 'several'} failed deliveries in a row, ${settings.pageName} stopped sending updates to this address. The last answer was: ${p.error ?? 'none'}. Once it accepts requests again, resume deliveries from the link below.`,
          incidentUrl: links.manageUrl,
          linkText: 'Resume deliveries',
        });
        messages.push({ from: settings.from, to: row.recipient, ...email });
      } else if (row.template === 'component-update') {
        throw new Error('a component update is for webhooks only, never an email');
      } else {
        const unknown: never = row.template; // every template is handled above
        throw new Error(`unknown email template ${String(unknown)}`);
      }
    }
    return { messages, skipped };
  }

  private async componentNames(subscriberId: string): Promise<string[]> {
    const rows = await this.options.ctx.database.db
      .select({ name: components.name })
      .from(subscriberComponents)
      .innerJoin(components, eq(components.id, subscriberComponents.componentId))
      .where(eq(subscriberComponents.subscriberId, subscriberId));
    return rows.map((r) => r.name);
  }

  /** A subscriber event's email (an incident update, a maintenance step), rendered once per event. */
  private eventEmail(row: ClaimedRow): Promise<KeptEvent> {
    const eventKey = row.eventKey;
    let email = this.events.get(eventKey);
    if (!email) {
      // As first rendered by whichever sender got there first (kept), so every batch and every
      // retry of this event sends the same bytes, whatever changed since.
      email = keptEventEmail(this.options.ctx, eventKey, async () => ({
        from: this.options.settings.from,
        ...(await (row.template === 'maintenance' ? this.renderMaintenanceEvent(row.payload ?? {}) : this.renderEvent(eventKey))),
      }));
      email.catch(() => this.events.delete(eventKey));
      this.events.set(eventKey, email);
      if (this.events.size > 100) this.events.delete(this.events.keys().next().value!);
    }
    return email;
  }

  private async renderMaintenanceEvent(payload: Record<string, string>): Promise<EventEmail> {
    const { ctx, settings } = this.options;
    const m = await getMaintenance(ctx, payload.maintenance_id ?? '');
    const kind = payload.kind as MaintenanceEmail;
    // A reminder repeats the announcement; every other email carries its own update.
    const update = payload.update_id ? m.updates.find((u) => u.id === payload.update_id) : m.updates.at(-1);
    return renderMaintenance({
      pageName: settings.pageName,
      maintenanceUrl: `${settings.publicUrl}/maintenances/${m.id}`,
      kind,
      title: m.title,
      body: update?.body ?? '',
      scheduledFor: m.scheduledFor,
      scheduledUntil: m.scheduledUntil,
      startedAt: m.startedAt,
      completedAt: m.completedAt,
      components: m.components.map((c) => c.name),
      zone: settings.emailTimeZone,
      brand: settings.brand,
    });
  }

  private async renderEvent(eventKey: string): Promise<EventEmail> {
    const { ctx, settings } = this.options;
    const updateId = eventKey.slice('incident_update:'.length);
    const update = await ctx.database.db.select().from(incidentUpdates).where(eq(incidentUpdates.id, updateId)).get();
    if (!update) throw new Error(`no incident update ${updateId} for ${eventKey}`);
    const incident = await getIncident(ctx, update.incidentId);
    const resolved = update.status === 'resolved';
    return renderIncidentUpdate({
      pageName: settings.pageName,
      incidentUrl: `${settings.publicUrl}/incidents/${incident.id}`,
      title: incident.title,
      status: update.status,
      impact: incident.impact,
      body: update.body,
      startedAt: incident.startedAt,
      resolvedAt: resolved ? (incident.resolvedAt ?? update.createdAt) : null,
      postedAt: update.createdAt,
      resolvedGaps: resolvedGaps(incident.updates.filter((u) => u.createdAt <= update.createdAt)),
      components: incident.components.map((c) => ({ name: c.name, status: resolved ? 'operational' : c.status })),
      zone: settings.emailTimeZone,
      brand: settings.brand,
    });
  }
}
