import { performance } from 'node:perf_hooks';

/**
 * Background work (the senders) gives way to visitors: while the process serves requests and its
 * event loop is nearly full, each unit of background work is followed by a pause long enough that
 * background work takes at most `share` of the time. Idle, or with few requests, nothing waits:
 * a fan-out at night goes at full speed.
 */
export class BackgroundBudget {
  private readonly share: number;
  private readonly busyUtilization: number;
  private readonly busyRequests: number;
  private requests = 0;
  private busy = false;
  private last = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout;

  private readonly utilization: () => number;

  constructor(options: { share?: number; busyUtilization?: number; busyRequestsPerSecond?: number; utilization?: () => number } = {}) {
    this.share = options.share ?? 0.15;
    this.busyUtilization = options.busyUtilization ?? 0.8;
    this.busyRequests = (options.busyRequestsPerSecond ?? 100) / 4;
    this.utilization = options.utilization ?? (() => this.loopUtilization());
    // Four looks a second: a burst of visitors is noticed within a quarter of a second.
    this.timer = setInterval(() => this.measure(), 250);
    this.timer.unref();
  }

  /** Counts one request served (the server calls it for each). */
  request(): void {
    this.requests++;
  }

  /** How full the event loop was since the last look (0–1). */
  private loopUtilization(): number {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    return utilization;
  }

  /** Looks whether the process is busy serving requests (four times a second). */
  measure(): void {
    this.busy = this.utilization() > this.busyUtilization && this.requests > this.busyRequests;
    this.requests = 0;
  }

  /** After `workMs` of background work: the pause that keeps it within its share while busy. */
  async after(workMs: number): Promise<void> {
    if (!this.busy || workMs <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, workMs * (1 / this.share - 1)));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
