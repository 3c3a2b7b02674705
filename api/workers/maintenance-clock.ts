import type { Logger } from '../log.ts';
import type { ServiceContext } from '../services/context.ts';
import { advanceMaintenances } from '../services/maintenances/advance.ts';
import { LeadingWorker } from './leading-worker.ts';

/**
 * Reminds subscribers of, starts and completes scheduled maintenances at their times. One
 * clock leads across instances; what it does is read from and written to the database, so a
 * restart (even one that spans a whole window) picks up where the timeline says it stands.
 */
export class MaintenanceClock extends LeadingWorker {
  private readonly logger: Logger;

  constructor(options: { ctx: ServiceContext; logger: Logger; tickMs?: number }) {
    super(options.ctx, 'maintenance-clock', options.tickMs ?? 15_000, options.logger);
    this.logger = options.logger;
  }

  protected async work(): Promise<void> {
    for (const { id, step } of await advanceMaintenances(this.ctx)) this.logger.info('maintenance clock', { maintenance: id, step });
  }
}
