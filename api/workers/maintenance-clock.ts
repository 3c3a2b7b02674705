import { advanceMaintenances, nextMaintenanceStepAt } from '../services/maintenances/advance.ts';
import { LeadingWorker, type WorkerOptions } from './leading-worker.ts';

/**
 * Reminds subscribers of, starts and completes scheduled maintenances at their times. One
 * clock leads across instances; what it does is read from and written to the database, so a
 * restart (even one that spans a whole window) picks up where the timeline says it stands.
 */
export class MaintenanceClock extends LeadingWorker {
  constructor(options: WorkerOptions) {
    super('maintenance-clock', options);
  }

  protected async work(): Promise<Date | null> {
    for (const { id, step } of await advanceMaintenances(this.ctx)) this.logger.info('maintenance clock', { maintenance: id, step });
    return nextMaintenanceStepAt(this.ctx);
  }
}
