import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';
import type { ServiceContext } from '../services/context.ts';
import { expandFanOut } from '../services/outbox/fan-out.ts';

export interface LoopOptions {
  logger: Logger;
  /** How long it sleeps when nothing is due (default 1 s); null: until woken (the server's pulse wakes it). */
  pollMs?: number | null;
  /** Where it sends from (before each unit it also adds the next chunk of a large fan-out's rows). */
  ctx: ServiceContext;
}

/**
 * The loop every outbox sender runs: expand a pending fan-out by a chunk, send what is due, one
 * unit at a time, then sleep until woken or polled once neither found anything.
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
        const worked = await this.step().catch((err) => {
          logger.error(failure, describeError(err));
          return false;
        });
        if (!worked && this.running) await this.sleep(pollMs === undefined ? 1000 : pollMs);
        // A turn of the event loop between units. On an embedded file every database call answers
        // at once (SQLite runs on this thread), and a unit sent to the .eml outbox waits on nothing
        // else: without it, one unit after another would hold the loop until nothing was due, and
        // the process would hear no signal or message meanwhile (told to stop, it sent everything
        // first; told to give way, it did so only once done).
        else await new Promise((resolve) => setImmediate(resolve));
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

  /** Expands and sends until nothing is due. */
  async drain(): Promise<void> {
    while (await this.step());
  }

  /** One chunk of a pending fan-out (if any), then one unit to send (if any): whether either was found. */
  private async step(): Promise<boolean> {
    // Every sender does it, so a fan-out goes on whichever process stops.
    const expanded = await expandFanOut(this.loopOptions.ctx);
    return (await this.sendNext()) || expanded;
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
