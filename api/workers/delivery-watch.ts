import { outbox } from '../../db/schema/index.ts';
import { eventKey } from '../domain/outbox/events.ts';
import { utc } from '../domain/words.ts';
import { toldOf, untoldTrouble, type Trouble } from '../services/outbox/trouble.ts';
import { pruneKept } from '../services/outbox/delivery.ts';
import { LeadingWorker, type WorkerOptions } from './leading-worker.ts';
import { postToResponders } from './responder-webhook.ts';
import { INTERNAL } from '../../db/client.ts';

export interface DeliveryWatchOptions extends WorkerOptions {
  publicUrl: string;
  /** Who hears of delivery trouble (read at each pass: the console may change them). */
  readonly recipients: () => string[];
  /** The responder webhook (`{text}` POST), if any. */
  readonly webhookUrl: () => string | undefined;
  /** How long kept events and batches stay (past the retry horizon every message they serve is settled). */
  keepMs: number;
}

/**
 * Nothing fails for good without someone knowing: the leader tells the responders (email and
 * responder webhook) when emails were given up for good, and when the provider has refused
 * everything for 10 minutes — each once, recorded with the notice. It also forgets the kept
 * requests no retry can need any more.
 */
export class DeliveryWatch extends LeadingWorker {
  private readonly options: DeliveryWatchOptions;

  constructor(options: DeliveryWatchOptions) {
    super('delivery-watch', options);
    this.options = options;
  }

  protected async work(): Promise<Date | null> {
    await pruneKept(this.ctx, new Date(this.ctx.now().getTime() - this.options.keepMs));
    const trouble = await untoldTrouble(this.ctx);
    if (trouble.failed || trouble.providerDownSince) await this.tell(trouble);
    return trouble.nextCheckAt;
  }

  private async tell(trouble: Trouble): Promise<void> {
    const { database } = this.ctx;
    const now = this.ctx.now();
    const lines = [
      ...(trouble.failed
        ? [`${trouble.failed.count} email${trouble.failed.count === 1 ? '' : 's'} failed for good (last reason: ${trouble.failed.lastError ?? 'unknown'}).`]
        : []),
      ...(trouble.providerDownSince
        ? [`The email provider has refused every batch since ${utc(trouble.providerDownSince)}; emails wait and are retried.`]
        : []),
    ];
    const message = `${lines.join(' ')} See the outbox: ${this.options.publicUrl}/admin/outbox`;
    const key = `delivery:${trouble.failed?.throughId ?? 0}:${trouble.providerDownSince?.getTime() ?? 0}`;
    await database.exclusive(() =>
      database.commit(
        [
          ...this.options.recipients().map((recipient) =>
            database.db
              .insert(outbox)
              .values({
                recipient,
                eventKey: eventKey({ kind: 'notice', key }),
                template: 'responder-notice',
                payload: { headline: 'Email delivery trouble', title: lines[0] ?? '', message, incident_url: `${this.options.publicUrl}/admin/outbox` },
                nextAttemptAt: now,
                createdAt: now,
              })
              .onConflictDoNothing(),
          ),
          ...toldOf(this.ctx, trouble),
        ],
        INTERNAL,
      ),
    );
    this.logger.error('email delivery trouble; responders told', {
      failed: trouble.failed?.count ?? 0,
      provider_down_since: trouble.providerDownSince?.toISOString() ?? null,
    });
    const url = this.options.webhookUrl();
    if (!url) return;
    // The responder webhook is the channel that works when email does not: tried a few times now.
    const candor = { kind: 'delivery_trouble', failed: trouble.failed?.count ?? 0, provider_down_since: trouble.providerDownSince?.toISOString() ?? null };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await postToResponders(url, `Email delivery trouble — ${message}`, candor, this.logger)) return;
      await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
    }
  }
}
