import type { InStatement } from '@libsql/client';
import { CHANGE_COUNTERS, CHANGES, type Database } from '../../db/client.ts';
import { describeError, type Logger } from '../log.ts';
import type { Lease } from './leading-worker.ts';

/** How old the counters may be while public pages are being read (`PulseOptions.watchedMs`). */
const WATCHED_MS = 250;

// When the outbox next has something to send: a queued row's attempt time, the end of a dead
// sender's lease on rows in flight (emails or webhooks), or now if a fan-out still has
// subscribers to add. Each is the first entry of a partial index (`outbox_queued_due_idx`,
// `outbox_sending_lease_idx`): during a large fan-out a scan of the outbox held the server's
// loop for a tenth of a second or more on every pulse.
export const OUTBOX_DUE: InStatement = `SELECT min(due) AS due FROM (
  SELECT min(next_attempt_at) AS due FROM outbox WHERE status = 'queued'
  UNION ALL SELECT min(lease_until) FROM outbox WHERE status = 'sending'
  UNION ALL SELECT min(at) FROM fan_outs)`;

export interface PulseOptions {
  database: Database;
  lease: Lease;
  logger: Logger;
  now: () => Date;
  intervalMs: number;
  /**
   * While public pages are being asked for, how old the change counters may be before a request
   * reads them again (one read, shared): a watched page follows a change within this, not a beat.
   * Infinity: only the beat reads them.
   */
  watchedMs?: number;
  /** Told of each beat's database request: how long it took and whether it worked (metrics). */
  onBeat?: (seconds: number, ok: boolean) => void;
}

/**
 * An instance's one regular database request. Every `intervalMs` it (an embedded replica
 * first syncs) reads, in one batch: the change counters (another instance or the CLI wrote:
 * settings are read again, and public pages rebuild if what they show changed), the leader lease (renewed when due, taken when free), and whether the outbox
 * has something due. So an idle instance costs its database one request per interval, and a
 * leader that dies is replaced within the lease's time plus one interval.
 */
export class Pulse {
  /** Moves on every change. */
  version = -1;
  /** Moves on changes public pages may show: the version public snapshots are built at. */
  publicVersion = -1;
  private readonly options: PulseOptions;
  private readonly changeListeners: (() => void)[] = [];
  private readonly publicChangeListeners: (() => void)[] = [];
  private readonly leadListeners: (() => void)[] = [];
  private readonly dueListeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | null = null;
  /** The counters' read a visitor's request started, while it runs. */
  private counting: Promise<void> | null = null;
  /** When the counters were last read (performance.now()). */
  private countedAt = Number.NEGATIVE_INFINITY;

  constructor(options: PulseOptions) {
    this.options = options;
    // A commit here reads the counters in its own batch: no request of its own to learn of it.
    options.database.afterCommit((commit) => setImmediate(() => this.seen(commit.counters)));
  }

  /** Beats once (so the version is known), then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = null));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops beating and gives up the lease, so another instance leads at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.options.lease.release().catch((err) => this.options.logger.error('could not hand over the lease', describeError(err)));
  }

  /**
   * The public version, for a visitor's request: if the counters were read more than `watchedMs`
   * ago, they are read again (in the background; the request is answered from what is known). So
   * an idle instance asks its database once a beat, and one whose pages are being read at most
   * every `watchedMs` as well: an incident's readers see its updates within that plus a render.
   */
  watchedVersion(): number {
    if (!this.counting && performance.now() - this.countedAt > (this.options.watchedMs ?? WATCHED_MS)) {
      this.countedAt = performance.now(); // not again before that long has passed, even if this read fails
      this.counting = this.options.database.client
        .execute(CHANGE_COUNTERS)
        .then(
          (result) => this.seen(result.rows),
          (err) => this.options.logger.error('could not read the change counter', describeError(err)),
        )
        .finally(() => (this.counting = null));
    }
    return this.publicVersion;
  }

  /** After the data changed (here or elsewhere). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** After data public pages may show changed (here or elsewhere), after the `onChange` listeners. */
  onPublicChange(listener: () => void): void {
    this.publicChangeListeners.push(listener);
  }

  /** After this instance became the leader. */
  onLead(listener: () => void): void {
    this.leadListeners.push(listener);
  }

  /** When the outbox has something to send now. */
  onOutboxDue(listener: () => void): void {
    this.dueListeners.push(listener);
  }

  private async beat(): Promise<void> {
    const { database, lease, logger, now } = this.options;
    const renew = lease.renewalDue();
    const led = lease.epoch !== null;
    const started = performance.now();
    try {
      await database.sync();
      const [counter, leader, outbox] = await database.client.batch(
        [CHANGE_COUNTERS, renew ? lease.holdStatement() : lease.readStatement(), OUTBOX_DUE],
        renew ? 'write' : 'read',
      );
      lease.accept(leader!.rows, renew);
      this.seen(counter!.rows);
      const due = outbox!.rows[0]?.due;
      if (due !== null && due !== undefined && Number(due) <= now().getTime()) for (const listener of this.dueListeners) listener();
      this.options.onBeat?.((performance.now() - started) / 1000, true);
    } catch (err) {
      this.options.onBeat?.((performance.now() - started) / 1000, false);
      if (renew) lease.lost();
      logger.error('pulse failed: the database is out of reach', describeError(err));
    }
    if (!led && lease.epoch !== null) {
      logger.info('leading the clocks and the cadence watcher', { epoch: lease.epoch });
      for (const listener of this.leadListeners) listener();
    }
    if (led && lease.epoch === null) logger.info('no longer leading');
  }

  private seen(rows: Record<string, unknown>[]): void {
    this.countedAt = performance.now();
    const value = (id: number) => Number(rows.find((r) => Number(r.id) === id)?.value ?? 0);
    // Counters only move forward: a read that left before a commit here and arrives after it is not news.
    const [version, publicVersion] = [Math.max(value(CHANGES.all), this.version), Math.max(value(CHANGES.public), this.publicVersion)];
    if (version === this.version && publicVersion === this.publicVersion) return;
    const publicChanged = publicVersion !== this.publicVersion;
    this.version = version;
    this.publicVersion = publicVersion;
    for (const listener of this.changeListeners) listener();
    if (publicChanged) for (const listener of this.publicChangeListeners) listener();
  }
}
