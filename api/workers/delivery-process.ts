import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeError, type Logger } from '../log.ts';
import type { OperatorSettings } from '../domain/settings.ts';
import type { SharedSettings } from '../services/shared-settings.ts';

/** What the server tells its delivery process. */
export type ToDelivery =
  | { type: 'start'; shared: SharedSettings; environment: Partial<OperatorSettings> & { emailFrom: string } }
  /** Something may be due now (a commit here, or the pulse saw some). */
  | { type: 'wake' }
  /** The data changed: settings are read again. */
  | { type: 'changed' }
  /** A write of the server waits for the embedded file's write lock: hold writes (renewed while it waits)… */
  | { type: 'give-way' }
  /** …until it has written. */
  | { type: 'go-ahead' }
  /** (From its own SIGTERM, which is how the server stops it.) */
  | { type: 'stop' };

/** What the delivery process tells the server. */
export type FromDelivery = { type: 'listening' } | { type: 'started' } | { type: 'provider-error'; status: number | null };

const ENTRY = fileURLToPath(new URL('../delivery.ts', import.meta.url));
const RESTART_MS = { first: 500, max: 30_000 };
/** How often a hold is renewed while the server's write waits (the delivery process lets go 250 ms after the last). */
const GIVE_WAY_RENEW_MS = 50;

export interface DeliveryProcessOptions {
  logger: Logger;
  start: Extract<ToDelivery, { type: 'start' }>;
  /** Its scheduling priority (`nice`, 0–19): the page's process stays at 0 and goes first. */
  nice: number;
  onProviderError?: (status: number | null) => void;
}

/**
 * The email and webhook senders run in a process of their own, at a lower priority: rendering
 * emails, signing webhooks and waiting on providers never take the page's event loop, and while
 * the page's process is busy the kernel gives it the CPU first (idle, a fan-out goes at full
 * speed; with a core to spare, on that core). The server starts it, wakes it when something is
 * queued, and starts it again if it dies (the outbox's leases make that safe: a batch in flight
 * is taken over, under the same idempotency key). It stops when told, or when the server is gone.
 */
export class DeliveryProcess {
  private readonly options: DeliveryProcessOptions;
  private child: ChildProcess | null = null;
  /** Its senders run (until then nothing is sent it: they look for work when they start). */
  private running = false;
  private stopping = false;
  private restartMs = RESTART_MS.first;
  private restartTimer: NodeJS.Timeout | undefined;
  /** When the delivery process was last told to give way (−∞: it is not holding). */
  private heldAt = Number.NEGATIVE_INFINITY;

  constructor(options: DeliveryProcessOptions) {
    this.options = options;
  }

  /** Starts it; resolves once its senders run. */
  start(): Promise<void> {
    const { logger, nice } = this.options;
    const child = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const upAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromDelivery) => {
        if (message.type === 'listening') child.send(this.options.start);
        else if (message.type === 'started') {
          // Loaded at the server's priority (≈ 2.7 s of CPU: at nice 19 beside a saturated page
          // it took minutes, and nothing was sent meanwhile), it sends at the lower one.
          try {
            setPriority(child.pid!, nice);
          } catch (err) {
            logger.error('could not lower the delivery process’s priority', describeError(err));
          }
          this.running = true;
          resolve();
        } else if (message.type === 'provider-error') this.options.onProviderError?.(message.status);
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`the delivery process exited (${signal ?? code}) before it started`));
        if (this.child !== child) return;
        this.child = null;
        this.running = false;
        if (this.stopping) return;
        // A process that ran a while is restarted at once; one that keeps dying, less and less often.
        if (Date.now() - upAt > 60_000) this.restartMs = RESTART_MS.first;
        logger.error('the delivery process stopped; starting it again', { code, signal, in_ms: this.restartMs });
        this.restartTimer = setTimeout(() => void this.start().catch(() => undefined), this.restartMs);
        this.restartMs = Math.min(this.restartMs * 2, RESTART_MS.max);
      });
    });
  }

  /** Looks for work now. */
  wake(): void {
    this.send({ type: 'wake' });
  }

  /** The data changed (settings may have). */
  changed(): void {
    this.send({ type: 'changed' });
  }

  /**
   * A write of the server waits for the embedded file's write lock (true, said at each retry), or
   * none waits any more (false): the delivery process holds its writes meanwhile. SQLite queues no
   * writers, and in a fan-out the delivery process writes back to back: without this an admin
   * update could wait seconds for the lock.
   */
  giveWay(waiting: boolean): void {
    const now = performance.now();
    if (waiting && now - this.heldAt < GIVE_WAY_RENEW_MS) return;
    this.heldAt = waiting ? now : Number.NEGATIVE_INFINITY;
    this.send({ type: waiting ? 'give-way' : 'go-ahead' });
  }

  /** Stops it after the unit each sender has in hand (its outcome recorded). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // A signal, not a message: it arrives even while the process is still starting.
    child.kill('SIGTERM');
    await exited;
  }

  private send(message: ToDelivery): void {
    const child = this.child;
    if (this.running && child?.connected)
      child.send(message, (err) => err && this.options.logger.error('could not reach the delivery process', describeError(err)));
  }
}
