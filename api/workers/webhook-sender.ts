import { createHash } from 'node:crypto';
import type { BlockList } from 'node:net';
import { inArray } from 'drizzle-orm';
import { subscribers } from '../../db/schema/index.ts';
import { decideFailure, type RetryPolicy } from '../domain/outbox/delivery.ts';
import { SenderLoop, type LoopOptions } from './sender-loop.ts';
import { describeError } from '../log.ts';
import { claimDeliveries, recordDeliveries, type ClaimedDelivery, type DeliveryOutcome } from '../services/outbox/webhook-delivery.ts';
import { postWebhook, type PostResult } from '../services/webhooks/post.ts';
import { signedHeaders } from '../services/webhooks/signing.ts';
import { webhookEvent, type WebhookEventBodies } from '../services/webhooks/events.ts';
import { subscriberLinks, type SubscriptionSettings } from '../services/subscribers/links.ts';

export interface WebhookSenderOptions extends LoopOptions {
  settings: SubscriptionSettings;
  allowedNetworks?: BlockList;
  /** Failures in a row that pause a subscription (default 10). */
  pauseAfter?: number;
  /** Requests in flight at once from this process. */
  concurrency?: number;
  random?: () => number;
  leaseMs?: number;
  /** Backoff and how long a delivery is retried (default RETRY_POLICY: 24 h). */
  retryPolicy?: RetryPolicy;
}

/** The delivery's id for the receiver: the same for every attempt of one event to one subscriber. */
function deliveryId(row: Pick<ClaimedDelivery, 'eventKey' | 'subscriberId'>): string {
  return `msg_${createHash('sha256').update(`${row.eventKey}\n${row.subscriberId}`).digest('base64url').slice(0, 27)}`;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Delivers the outbox's webhook and Slack rows: claims a chunk, builds each event's body once
 * (then only the per-subscriber `meta`), signs it per Standard Webhooks, POSTs the chunk with
 * bounded concurrency and records every outcome in one write. Any number may run, anywhere.
 */
export class WebhookSender extends SenderLoop {
  private readonly options: WebhookSenderOptions;
  private readonly events = new Map<string, Promise<WebhookEventBodies>>();

  constructor(options: WebhookSenderOptions) {
    super({ ...options, failure: 'webhook sender failed; retrying' });
    this.options = options;
  }

  /** Delivers one chunk; false when nothing was due. */
  override async sendNext(): Promise<boolean> {
    const { ctx } = this.options;
    const rows = await claimDeliveries(ctx, undefined, this.options.leaseMs);
    if (!rows.length) return false;
    const ids = [...new Set(rows.map((r) => r.subscriberId))];
    const found = await ctx.database.db.select().from(subscribers).where(inArray(subscribers.id, ids));
    const byId = new Map(found.map((s) => [s.id, s]));
    const outcomes = await eachLimited(rows, this.options.concurrency ?? 50, (row) => this.deliver(row, byId.get(row.subscriberId)));
    await recordDeliveries(ctx, outcomes, this.options.pauseAfter ?? 10);
    return true;
  }

  private async deliver(row: ClaimedDelivery, subscriber: typeof subscribers.$inferSelect | undefined): Promise<DeliveryOutcome> {
    const { ctx, settings, logger } = this.options;
    const base = { id: row.id, subscriberId: row.subscriberId };
    if (!subscriber?.endpoint) return { ...base, sent: false, error: 'subscriber removed before sending', retryAt: null, payload: null, counts: false };
    if (subscriber.pausedAt) return { ...base, sent: false, error: 'subscription paused after repeated failures', retryAt: null, payload: null, counts: false };
    let body: string | null | undefined = row.payload?.body;
    if (body === undefined) {
      try {
        const event = await this.event(row);
        body = subscriber.type === 'slack' ? event.slack : event.json(subscriberLinks(settings, subscriber).unsubscribeUrl);
      } catch (err) {
        logger.error('webhook body could not be built', { event: row.eventKey, ...describeError(err) });
        return { ...base, sent: false, error: `could not build the body: ${(err as Error).message}`, retryAt: null, payload: null, counts: false };
      }
    }
    if (body === null) return { ...base, sent: true }; // nothing for this kind of subscriber (Slack hears no component changes)
    const headers = subscriber.signingSecret ? signedHeaders(subscriber.signingSecret, deliveryId(row), ctx.now(), body) : {};
    const result: PostResult = await postWebhook(subscriber.endpoint, body, headers, this.options.allowedNetworks, ctx.now);
    if (result.ok) return { ...base, sent: true };
    const queuedMs = ctx.now().getTime() - row.createdAt.getTime();
    const decision = decideFailure(result, { attempts: row.attempts, queuedMs }, (this.options.random ?? Math.random)(), this.options.retryPolicy);
    const error = result.status === null ? result.message : `${result.status}: ${result.message}`;
    return {
      ...base,
      sent: false,
      error: decision.retry ? error : decision.reason,
      retryAt: decision.retry ? new Date(ctx.now().getTime() + decision.delayMs) : null,
      payload: decision.retry ? { ...(row.payload ?? {}), body } : null,
      counts: true,
    };
  }

  /** An event's bodies, built once per event. */
  private event(row: ClaimedDelivery): Promise<WebhookEventBodies> {
    let event = this.events.get(row.eventKey);
    if (!event) {
      event = webhookEvent(this.options.ctx, this.options.settings, row);
      event.catch(() => this.events.delete(row.eventKey));
      this.events.set(row.eventKey, event);
      if (this.events.size > 100) this.events.delete(this.events.keys().next().value!);
    }
    return event;
  }
}
