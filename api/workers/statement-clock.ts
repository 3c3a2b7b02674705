import { nextStatementAt, queueDueStatements } from '../services/customers/statements.ts';
import { LeadingWorker, type WorkerOptions } from './leading-worker.ts';

/**
 * Queues each customer's period statement once their billing period closes. One clock leads
 * across instances; the outbox's unique (recipient, event) rows make it once per contact even
 * when two passes, a restart or two leaders overlap.
 */
export class StatementClock extends LeadingWorker {
  constructor(options: WorkerOptions) {
    super('statement-clock', options);
  }

  protected async work(): Promise<Date | null> {
    const queued = await queueDueStatements(this.ctx);
    if (queued) this.logger.info('statements queued', { emails: queued });
    return nextStatementAt(this.ctx);
  }
}
