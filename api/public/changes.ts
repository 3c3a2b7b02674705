import type { Database } from '../../db/client.ts';
import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';

/**
 * Tracks the database's change counter: at once after this process commits, and by polling
 * (once a second by default) for commits made by other instances or the CLI.
 */
export class ChangeWatcher {
  version = -1;
  private readonly listeners: ((version: number) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;
  private again = false;

  private readonly database: Database;
  private readonly logger: Logger;
  private readonly intervalMs: number;

  constructor(database: Database, logger: Logger, intervalMs = 1000) {
    this.database = database;
    this.logger = logger;
    this.intervalMs = intervalMs;
    database.afterCommit(() => void this.refresh());
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onChange(listener: (version: number) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the counter; concurrent calls share one read, and a call during a read queues one more. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const version = await this.database.changeCount();
          if (version !== this.version) {
            this.version = version;
            for (const listener of this.listeners) listener(version);
          }
        } catch (err) {
          this.logger.error('could not read the change counter', describeError(err));
        }
      } while (this.again);
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }
}
