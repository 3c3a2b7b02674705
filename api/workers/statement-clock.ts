import type { Logger } from '../log.ts';
import type { ServiceContext } from '../services/context.ts';
import { queueDueStatements } from '../services/customers/statements.ts';
import { LeadingWorker } from './leading-worker.ts';

/**
 * Queues each customer's period statement once their billing period closes. One clock leads
 * across instances; the outbox's unique (recipient, event) rows make it once per contact even
 * when two passes, a restart or two leaders overlap.
 */
export class StatementClock extends LeadingWorker {
  private readonly logger: Logger;

  constructor(options: { ctx: ServiceContext; logger: Logger; tickMs?: number }) {
    super(options.ctx, 'statement-clock', options.tickMs ?? 60_000, options.logger);
    this.logger = options.logger;
  }

  protected async work(): Promise<void> {
    const queued = await queueDueStatements(this.ctx);
    if (queued) this.logger.info('statements queued', { emails: queued });
  }
}
