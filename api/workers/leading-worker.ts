import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { InStatement, Row } from '@libsql/client';
import type { Database, Statement } from '../../db/client.ts';
import type { ServiceContext } from '../services/context.ts';
import { describeError, type Logger } from '../log.ts';

/**
 * A claim to lead the singleton workers across instances: a row in `leases` that its holder
 * renews and others may take once it has run out (its holder stopped, died or lost the
 * database). Each change of hands raises the row's `epoch`; the holder's writes carry the
 * epoch it holds (`fence`), so a leader that lost the lease — paused, partitioned, slow to
 * commit — has its writes refused instead of racing its successor's.
 */
export class Lease {
  readonly owner = randomBytes(8).toString('hex');
  readonly name: string;
  readonly ttlMs: number;
  /** The epoch this holder leads at, as of its last renewal; null when it does not lead. */
  epoch: number | null = null;
  private readonly database: Database;
  private readonly now: () => Date;
  /** When the lease (whoever holds it) runs out, as last seen. */
  private expiresAt = 0;

  constructor(ctx: ServiceContext, name: string, ttlMs: number) {
    this.database = ctx.database;
    this.now = ctx.now;
    this.name = name;
    this.ttlMs = ttlMs;
  }

  /** Whether renewing is due: this holder leads and half its time is gone, or the lease is free. */
  renewalDue(): boolean {
    const left = this.expiresAt - this.now().getTime();
    return this.epoch === null ? left < 0 : left <= this.ttlMs / 2;
  }

  /** Takes or renews the lease (one statement): the answer goes to `accept`. */
  holdStatement(): InStatement {
    const now = this.now().getTime();
    return {
      sql: `INSERT INTO leases (name, owner, expires_at, epoch) VALUES (?, ?, ?, 1)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
              epoch = leases.epoch + (leases.owner <> excluded.owner)
            WHERE leases.owner = excluded.owner OR leases.expires_at < ?
            RETURNING owner, expires_at, epoch`,
      args: [this.name, this.owner, now + this.ttlMs, now],
    };
  }

  /** Reads who holds the lease until when (one statement): the answer goes to `accept`. */
  readStatement(): InStatement {
    return { sql: 'SELECT owner, expires_at, epoch FROM leases WHERE name = ?', args: [this.name] };
  }

  /**
   * Takes in the answer to `holdStatement` (`held`: no row means another holds it, until a
   * read says when) or to `readStatement` (no row: nobody ever held it).
   */
  accept(rows: Row[], held: boolean): void {
    const row = rows[0];
    this.expiresAt = row ? Number(row.expires_at) : held ? Number.MAX_SAFE_INTEGER : 0;
    this.epoch = row && row.owner === this.owner && this.expiresAt > this.now().getTime() ? Number(row.epoch) : null;
  }

  /** Renewing failed (the database is out of reach): lead no more until a renewal succeeds. */
  lost(): void {
    this.epoch = null;
  }

  /** Takes or renews the lease now; true while this holder leads. */
  async hold(): Promise<boolean> {
    try {
      this.accept((await this.database.client.execute(this.holdStatement())).rows, true);
    } catch (err) {
      this.lost();
      throw err;
    }
    return this.epoch !== null;
  }

  /**
   * The first statement of each write batch the leader makes: it fails the batch (CHECK
   * `lease_fence_held`) unless this holder still holds the lease at the epoch it leads at.
   */
  fence(): Statement {
    return this.database.db.run(
      sql`INSERT INTO lease_fence (id, held) SELECT 1, count(*) FROM leases WHERE name = ${this.name} AND owner = ${this.owner} AND epoch = ${this.epoch ?? -1}
          ON CONFLICT (id) DO UPDATE SET held = excluded.held`,
    );
  }

  /** `ctx`, but every commit made through it is fenced by this lease. */
  fenced(ctx: ServiceContext): ServiceContext {
    const { database } = ctx;
    return { ...ctx, database: { ...database, commit: (statements, scope) => database.commit([this.fence(), ...statements], scope) } };
  }

  /** Gives the lease up (it runs out now, its epoch kept), so another instance leads at once. */
  async release(): Promise<void> {
    if (this.epoch === null) return;
    this.epoch = null;
    await this.database.client.execute({ sql: 'UPDATE leases SET expires_at = 0 WHERE name = ? AND owner = ?', args: [this.name, this.owner] });
  }
}

/** Whether `err` is a write refused because its leader no longer held the lease. */
export function fencedOut(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) if (/\blease_fence_held\b/.test(e.message)) return true;
  return false;
}

const MIN_WAIT_MS = 1000;
const POKE_DELAY_MS = 200;
/**
 * Passes a change asks for begin at least this far apart: under a steady stream of writes (notes
 * every few seconds from each responder, an import) a pass that reads a long history would
 * otherwise run several times a second, each holding the loop that serves the page.
 */
const POKE_SPACING_MS = 1000;

export interface WorkerOptions {
  ctx: ServiceContext;
  logger: Logger;
  /** The longest it sleeps between passes (default 60 s). */
  tickMs?: number;
  /** The lease it runs under, held by the instance's pulse; by default its own, which `tick` takes (3 ticks long). */
  lease?: Lease;
}

/**
 * A worker of which one instance runs at a time: the one holding the lease. Its writes are
 * fenced by that lease. In a server the instance's pulse holds the lease and pokes the worker
 * when data changed or leadership was won; the worker also runs when its last pass said
 * something falls due, and at least every `tickMs`. `tick` takes the lease itself and works once.
 */
export abstract class LeadingWorker {
  protected readonly ctx: ServiceContext;
  protected readonly logger: Logger;
  private readonly lease: Lease;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  private running = false;
  private pass: Promise<void> | null = null;
  private passStartedAt = Number.NEGATIVE_INFINITY;
  private again = false;

  protected constructor(name: string, { ctx, logger, tickMs = 60_000, lease }: WorkerOptions) {
    this.lease = lease ?? new Lease(ctx, name, 3 * tickMs);
    this.ctx = this.lease.fenced(ctx);
    this.tickMs = tickMs;
    this.logger = logger;
  }

  /** One pass of the work, run only while this instance leads: returns when something next falls due (null: nothing known). */
  protected abstract work(): Promise<Date | null>;

  /** Runs on pokes, its own due times and every `tickMs`, while the lease (held by someone else, e.g. the pulse) is this instance's. */
  start(): void {
    this.running = true;
    this.wakeAt(Date.now());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  /**
   * Looks for work soon (data changed, or this instance became the leader): after a short
   * delay, so a burst of changes makes one pass, and the pass does not compete with the
   * request that made the change for the database.
   */
  poke(): void {
    if (!this.running) return;
    if (this.pass) this.again = true;
    else this.wakeAt(this.pokedAt());
  }

  /** When a pass a change asked for may begin: after a short delay, and not sooner than `POKE_SPACING_MS` after the last began. */
  private pokedAt(): number {
    return Math.max(Date.now() + POKE_DELAY_MS, this.passStartedAt + POKE_SPACING_MS);
  }

  private wakeAt(at: number): void {
    if (!this.running || at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.runPass(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private runPass(): void {
    this.dueAt = Number.POSITIVE_INFINITY;
    this.again = false;
    this.passStartedAt = Date.now();
    this.pass = (async () => {
      const next = this.lease.epoch === null ? null : await this.work().catch((err) => this.failed(err));
      const now = this.ctx.now().getTime();
      const wait = next ? Math.min(Math.max(next.getTime() - now, MIN_WAIT_MS), this.tickMs) : this.tickMs;
      this.pass = null;
      this.wakeAt(this.again ? this.pokedAt() : Date.now() + wait);
    })();
  }

  /** Takes or renews the lease, and works once if this instance leads. */
  async tick(): Promise<void> {
    if (await this.lease.hold()) await this.work();
  }

  private failed(err: unknown): null {
    if (fencedOut(err)) this.logger.info(`${this.constructor.name}: another instance leads now; nothing written`);
    else this.logger.error(`${this.constructor.name} pass failed`, describeError(err));
    return null;
  }
}
