import { applyHeldAlertStatuses } from '../services/integrations/alerts.ts';
import { LeadingWorker, type WorkerOptions } from './leading-worker.ts';

/**
 * Applies the component statuses alerts asked for while a status was still holding (flapping
 * damped): one clock leads across instances, woken by changes and at the next hold's end.
 */
export class AlertClock extends LeadingWorker {
  constructor(options: WorkerOptions) {
    super('alert-clock', options);
  }

  protected work(): Promise<Date | null> {
    return applyHeldAlertStatuses(this.ctx);
  }
}
