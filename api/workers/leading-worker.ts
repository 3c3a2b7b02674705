import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { leases } from '../../db/schema/index.ts';
import type { ServiceContext } from '../services/context.ts';
import { describeError, type Logger } from '../log.ts';

/**
 * A singleton worker's claim to lead across instances: a row in `leases` that its holder
 * renews each tick and others may take once it has expired (its holder stopped or died).
 */
export class Lease {
  private readonly owner = randomBytes(8).toString('hex');
  private readonly ctx: ServiceContext;
  private readonly name: string;
  private readonly ttlMs: number;

  constructor(ctx: ServiceContext, name: string, ttlMs: number) {
    this.ctx = ctx;
    this.name = name;
    this.ttlMs = ttlMs;
  }

  /** Takes or renews the lease; true while this holder leads. */
  async hold(): Promise<boolean> {
    const now = this.ctx.now().getTime();
    await this.ctx.database.client.execute({
      sql: `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
            WHERE leases.owner = excluded.owner OR leases.expires_at < ?`,
      args: [this.name, this.owner, now + this.ttlMs, now],
    });
    const row = await this.ctx.database.db.select().from(leases).where(eq(leases.name, this.name)).get();
    return row?.owner === this.owner;
  }

  /** Gives the lease up, so another instance leads at once. */
  async release(): Promise<void> {
    await this.ctx.database.db.delete(leases).where(and(eq(leases.name, this.name), eq(leases.owner, this.owner)));
  }
}

/**
 * A worker of which one instance leads at a time: every `tickMs` each instance tries to hold
 * the lease, and only the holder does the work. The lease lasts three ticks, so when the
 * leader dies another takes over within that; `stop` hands it over at once.
 */
export abstract class LeadingWorker {
  protected readonly ctx: ServiceContext;
  private readonly lease: Lease;
  private readonly tickMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  protected constructor(ctx: ServiceContext, name: string, tickMs: number, logger: Logger) {
    this.ctx = ctx;
    this.tickMs = tickMs;
    this.log = logger;
    this.lease = new Lease(ctx, name, 3 * tickMs);
  }

  /** One pass of the work, run only while this instance leads. */
  protected abstract work(): Promise<void>;

  start(): void {
    const tick = () => {
      this.ticking ??= this.tick()
        .catch((err) => this.log.error(`${this.constructor.name} tick failed`, describeError(err)))
        .finally(() => (this.ticking = null));
    };
    tick();
    this.timer = setInterval(tick, this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer!);
    await this.ticking;
    await this.lease.release();
  }

  /** Leads (if it can) and works once. */
  async tick(): Promise<void> {
    if (await this.lease.hold()) await this.work();
  }
}
