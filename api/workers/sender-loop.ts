import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';

export interface LoopOptions {
  logger: Logger;
  /** How long it sleeps when nothing is due (default 1 s); null: until woken (the server's pulse wakes it). */
  pollMs?: number | null;
}

/**
 * The loop every outbox sender runs: send what is due, one unit at a time, then sleep until
 * woken or polled. `sendNext` says whether it found something to send.
 */
export abstract class SenderLoop {
  private readonly loopOptions: LoopOptions & { failure: string };
  private running = false;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;

  protected constructor(options: LoopOptions & { failure: string }) {
    this.loopOptions = options;
  }

  /** Sends one unit (a batch, a chunk); false when nothing was due. */
  abstract sendNext(): Promise<boolean>;

  start(): void {
    if (this.running) return;
    this.running = true;
    const { logger, pollMs, failure } = this.loopOptions;
    this.loop = (async () => {
      while (this.running) {
        const sent = await this.sendNext().catch((err) => {
          logger.error(failure, describeError(err));
          return false;
        });
        if (!sent && this.running) await this.sleep(pollMs === undefined ? 1000 : pollMs);
      }
    })();
  }

  /** Ends the loop after the unit in hand (its outcome is recorded before this resolves). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Looks for work now (called after this process commits, or when the pulse sees some due). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Sends until nothing is due. */
  async drain(): Promise<void> {
    while (await this.sendNext());
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        clearTimeout(this.timer!);
        this.wakeUp = null;
        resolve();
      };
      if (ms !== null) this.timer = setTimeout(this.wakeUp, ms);
    });
  }
}
