import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type InArgs, type InStatement, type ResultSet, type Transaction, type TransactionMode } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { eq, getTableName, sql, type SQL, type Table } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import * as schema from './schema/index.ts';
import { streamingClient } from './streams.ts';

export type Drizzle = LibSQLDatabase<typeof schema>;
/** A statement a batch may carry: a write, or a query whose rows drizzle parses as when it is awaited alone. */
export type Statement = BatchItem<'sqlite'>;

/** Reads that need no earlier answer, and the answer their results make. */
export interface Reads<T> {
  statements: Statement[];
  answer(results: unknown[]): T;
}

/** Runs `reads` together (one request to a remote database). */
export async function runReads<T>(reads: Reads<T>): Promise<T> {
  return reads.answer(await Promise.all(reads.statements));
}

export const DEFAULT_DATABASE_URL = 'file:./data/candor.db';
const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** A Candor database: drizzle for queries, plus the one way to write. */
export interface Database {
  readonly url: string;
  readonly db: Drizzle;
  readonly client: Client;
  /**
   * Runs `work` with this process's write lock held (again, up to a few times, when another
   * process's commit made its decision stale; then `WriteConflict`). Services read, decide, then call
   * `commit` once inside it, so read-decide-write never interleaves within a process and
   * each database write transaction stays as short as one batch.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Writes the statements atomically (one batch, one transaction) and bumps the change counter;
   * also the public one unless the caller says public pages cannot show what it writes
   * (`INTERNAL`: a note, a session, a subscriber), so those writes rebuild no public page.
   */
  commit(statements: Statement[], scope?: CommitScope): Promise<void>;
  /**
   * Commits as `commit` (all or nothing), for a commit too long to hold the event loop (an
   * import). On an embedded file SQLite runs on this thread, so the statements run one at a time
   * in one transaction on a connection of its own, awaiting `turn` before each (the loop's shared
   * budget, `giveWay`): pages are served meanwhile (their reads go on the usual connection; WAL
   * lets them read alongside), and other writes wait for the lock as for another process's.
   * Elsewhere the database works while the loop is free: one batch, as `commit`.
   */
  commitInSteps(statements: Statement[], turn: () => Promise<void>, scope?: CommitScope): Promise<void>;
  /**
   * Commits as `commit`, then runs `reads` in the same batch, after the writes: the answer a use
   * case gives from what it wrote, without another round trip.
   */
  commitThenRead<T>(statements: Statement[], reads: Reads<T>, scope?: CommitScope): Promise<T>;
  /** The change counter: moves on every commit, from any process sharing the database. */
  changeCount(): Promise<number>;
  /** Calls `listener` after each commit this process makes, saying whether it queued emails or webhooks, or revoked access, and where the counters stand. */
  afterCommit(listener: (commit: Committed) => void): void;
  /**
   * An embedded file: calls `listener` with true each time a write of this process finds the
   * write lock held by another process (and will try again), and with false once no write of
   * this process waits for it any more. (What lets the delivery process give way: `giveWay`.)
   */
  onLockWait(listener: (waiting: boolean) => void): void;
  /** An embedded replica pulls what the primary committed since its last sync (one request); otherwise nothing. */
  sync(): Promise<void>;
  migrate(): Promise<void>;
  close(): void;
}

export interface DbOptions {
  authToken?: string;
  /**
   * With a remote `url` (the primary `sqld`): keep an embedded replica in this local file,
   * read from it, and send writes to the primary (reads after a write see it).
   */
  replicaFile?: string;
  /** How long one database call may take before it fails (a frozen server, a held write lock). */
  timeoutMs?: number;
  /**
   * An embedded file shared with another process whose writes go first: each write of this
   * handle waits for `giveWay()` (when it returns a promise) before it takes the lock.
   */
  giveWay?: () => Promise<void> | null;
}

export const DEFAULT_DB_TIMEOUT_MS = 5000;

/**
 * What a commit may change: anything public pages show (the default), or only what they never
 * show; and whether it takes away access (a revoked key: whoever keeps verified keys forgets them).
 */
export type CommitScope = { public: boolean; revokes?: boolean };
export const INTERNAL: CommitScope = { public: false };
export const REVOCATION: CommitScope = { public: false, revokes: true };

/** What a commit did, for those who act on it. */
interface Committed {
  /** It wrote to the outbox: there may be emails or webhooks to send. */
  outbox: boolean;
  /** It took away access (`REVOCATION`). */
  revokes: boolean;
  /** The change counters' rows as this commit left them (read in its batch). */
  counters: { id: number; value: number }[];
}

/** Whether a commit's statement writes to the outbox (a statement it cannot read counts as one that does). */
function writesOutbox(statement: Statement): boolean {
  const table = (statement as { config?: { table?: Table } }).config?.table;
  if (table) return getTableName(table) === 'outbox';
  const raw = statement as { getQuery?: () => { sql: string } };
  return raw.getQuery ? /\b(into|update)\s+"?outbox\b/i.test(raw.getQuery().sql) : true;
}

/** Whether a statement's result says it changed rows (a result without a count counts as one that did). */
function wroteRows(result: unknown): boolean {
  const count = (result as { rowsAffected?: unknown } | undefined)?.rowsAffected;
  return typeof count !== 'number' || count > 0;
}

/** The change counters' rows: every change, and changes public pages may show. */
export const CHANGES = { all: 1, public: 2 } as const;
/** Both change counters' rows (`id`, `value`): read by every commit in its batch, and by each instance's pulse. */
export const CHANGE_COUNTERS = `SELECT id, value FROM change_counter WHERE id IN (${CHANGES.all}, ${CHANGES.public})`;

/** An embedded file's per-connection setting: WAL's usual synchronous=NORMAL (no fsync per commit; a power cut can lose the last commits, never corrupt the file). */
const FILE_SETTINGS = 'PRAGMA synchronous = NORMAL';

/** Opens the database at `url` (`file:`, `:memory:`, `ws(s)://`, `libsql://`, `http(s)://`). No global instance. */
export async function createDb(url: string = DEFAULT_DATABASE_URL, options: DbOptions = {}): Promise<Database> {
  const { authToken, replicaFile, timeoutMs = DEFAULT_DB_TIMEOUT_MS, giveWay } = options;
  const memory = url === ':memory:' || url.startsWith('file::memory:');
  const local = memory || url.startsWith('file:');
  if (replicaFile && local) throw new Error('a replica needs a remote primary: set DATABASE_URL to the primary sqld (http:// or libsql://)');
  const file = replicaFile ?? (local && !memory ? url.slice('file:'.length).split('?')[0] : undefined);
  if (file) mkdirSync(dirname(file), { recursive: true });
  // Set-up that may wait for another process's lock (WAL mode, migrations) runs on a connection
  // of its own, closed after: nothing is served yet, so SQLite's own busy wait is fine there.
  // A replica's set-up goes to the primary itself, and the replica syncs after.
  const setUp = async (work: (db: Drizzle) => Promise<void>) => {
    if (memory || !(local || replicaFile)) return work(db);
    const once = local ? createClient({ url, timeout: timeoutMs, intMode: 'number', concurrency: 1 }) : openRemote(url, authToken, timeoutMs);
    try {
      await work(drizzle({ client: once, schema, casing: 'snake_case' }));
    } finally {
      once.close();
    }
    if (replicaFile) await client.sync();
  };
  // An embedded database (a local file, or a replica) runs SQLite on this thread: SQLite's own
  // busy wait would block the event loop (and every cached page) while another process holds
  // the write lock. So it never waits (busy_timeout 0): `patient` retries a busy call on timers
  // instead, up to `timeoutMs`. More connections would add no parallelism: one connection
  // (writes are single batches, never open transactions), and each that replaces it, with the
  // file's settings (`FILE_SETTINGS`).
  // A remote database gets a deadline on every call, so a frozen server is an error within
  // `timeoutMs`, not a hang; and the reads issued together travel as one request (`coalescing`).
  const lockWaitListeners: ((waiting: boolean) => void)[] = [];
  const manners: Manners = {
    giveWay,
    waiting: (waiting) => {
      for (const listener of lockWaitListeners) listener(waiting);
    },
  };
  const client = replicaFile
    ? patient(() => createClient({ url: `file:${replicaFile}`, syncUrl: syncUrlOf(url), authToken, timeout: 0, intMode: 'number' }), timeoutMs, false)
    : local
      ? patient(() => createClient({ url, timeout: 0, intMode: 'number', concurrency: 1 }), timeoutMs, !memory, manners, memory ? undefined : FILE_SETTINGS)
      : coalescing(openRemote(url, authToken, timeoutMs));
  const db = drizzle({ client, schema, casing: 'snake_case' });
  if (local && !memory) {
    await setUp((once) => once.run(sql`PRAGMA journal_mode = WAL`).then(() => undefined));
  }
  if (replicaFile) await client.sync();

  let tail: Promise<unknown> = Promise.resolve();
  // Another process may write between this one's reads and its commit. Where that breaks a
  // uniqueness the database enforces, or a versioned row changed since it was read (the write
  // guard), nothing of this commit was written: the work runs again, reads what the other
  // process wrote, and decides anew (or refuses as the rules say).
  const attempt = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let tries = 1; ; tries++) {
      try {
        // A replica decides on what the primary has now: another instance may have written since its last sync.
        if (replicaFile) await client.sync();
        return await work();
      } catch (err) {
        if (!lostRace(err)) throw err;
        if (tries >= RACE_TRIES) throw new WriteConflict(err);
        // Apart a little, at random, so racers from several processes don't meet again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * tries));
      }
    }
  };
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(
      () => attempt(work),
      () => attempt(work),
    );
    tail = run.catch(() => undefined);
    return run;
  };
  const listeners: ((commit: Committed) => void)[] = [];
  // The counter moves to the database's clock in ms (or one past its value, if that is later):
  // a primary restored from a backup, or one that lost its last commits, never repeats a value
  // an instance has already seen for other data.
  const bump = (id: number): SQL => sql`INSERT INTO change_counter (id, value) VALUES (${id}, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (id) DO UPDATE SET value = max(value + 1, CAST(unixepoch('subsec') * 1000 AS INTEGER))`;
  const bumpAll = bump(CHANGES.all);
  const bumpPublic = bump(CHANGES.public);
  const counters = sql.raw(CHANGE_COUNTERS);

  const bumpsFor = (scope: CommitScope) => (scope.public ? [db.run(bumpAll), db.run(bumpPublic)] : [db.run(bumpAll)]);
  /** Tells the listeners what a commit of `statements` (after `bumps`, followed by the counters' read) did. */
  const tell = (statements: Statement[], scope: CommitScope, bumps: number, results: unknown[]) => {
    const committed: Committed = {
      outbox: statements.some((s, i) => wroteRows(results[bumps + i]) && writesOutbox(s)),
      revokes: scope.revokes === true,
      counters: results[bumps + statements.length] as Committed['counters'],
    };
    for (const listener of listeners) listener(committed);
  };

  /** Writes `statements` after the counters' bumps, then runs `reads`: their results. */
  const write = async (statements: Statement[], scope: CommitScope, reads: Statement[]): Promise<unknown[]> => {
    const bumps = bumpsFor(scope);
    const results: unknown[] = await db.batch([...bumps, ...statements, db.all(counters), ...reads] as [Statement, ...Statement[]]);
    tell(statements, scope, bumps.length, results);
    return results.slice(bumps.length + statements.length + 1);
  };

  /** `commitInSteps` on an embedded file: see there. */
  const writeInSteps = async (statements: Statement[], turn: () => Promise<void>, scope: CommitScope): Promise<void> => {
    const { own, tx } = await writeTransaction(
      async () => {
        const own = createClient({ url, timeout: 0, intMode: 'number', concurrency: 1 });
        await own.execute(FILE_SETTINGS);
        return own;
      },
      timeoutMs,
      manners,
    );
    try {
      const bumps = bumpsFor(scope);
      const results: unknown[] = [];
      for (const statement of [...bumps, ...statements]) {
        await turn();
        results.push(await tx.execute(inStatement(statement)));
      }
      const { rows } = await tx.execute(CHANGE_COUNTERS);
      results.push(rows.map((r) => ({ id: Number(r.id), value: Number(r.value) })));
      await tx.commit();
      tell(statements, scope, bumps.length, results);
    } finally {
      tx.close();
      own.close();
    }
  };

  return {
    url,
    db,
    client,
    exclusive,
    async commit(statements, scope = { public: true }) {
      await write(statements, scope, []);
    },
    async commitInSteps(statements, turn, scope = { public: true }) {
      if (local && !memory) await writeInSteps(statements, turn, scope);
      else await write(statements, scope, []);
    },
    async commitThenRead(statements, reads, scope = { public: true }) {
      return reads.answer(await write(statements, scope, reads.statements));
    },
    afterCommit(listener) {
      listeners.push(listener);
    },
    onLockWait(listener) {
      lockWaitListeners.push(listener);
    },
    async sync() {
      if (replicaFile) await client.sync();
    },
    async changeCount() {
      const row = await db.select({ value: schema.changeCounter.value }).from(schema.changeCounter).where(eq(schema.changeCounter.id, CHANGES.all)).get();
      return row?.value ?? 0;
    },
    async migrate() {
      // Several instances (or the CLI beside a server) may start at once. Migrations apply in
      // one transaction, so the loser of a race fails cleanly; on retry it finds them applied.
      for (let attempt = 1; ; attempt++) {
        try {
          return await setUp((once) => migrate(once, { migrationsFolder: MIGRATIONS }));
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    },
    close() {
      client.close();
    },
  };
}

/**
 * A client of a libSQL server. Over HTTP (`http(s)://`) each call is a request of its own, and
 * the server sets up a connection for each; over a WebSocket (`ws(s)://`, and `libsql://`, which
 * means `wss://`) calls travel on one open connection: about a third of the time per round trip
 * (bench/README.md). Either way, each call has a deadline of `ms`.
 */
function openRemote(url: string, authToken: string | undefined, ms: number): Client {
  if (/^https?:/i.test(url)) return createClient({ url, authToken, intMode: 'number', fetch: deadlineFetch(ms) });
  return deadlined(() => streamingClient(url, authToken), ms);
}

/** Where an embedded replica syncs from: the primary's HTTP address (a WebSocket URL names the same server). */
function syncUrlOf(url: string): string {
  return url.replace(/^ws(s?):/i, 'http$1:');
}

/** The error of a database call that ran out of time (a frozen or overloaded server): 503, as a fetch's own timeout. */
class DatabaseTimeout extends Error {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`The database did not answer within ${ms} ms`);
  }
}

/**
 * A WebSocket client whose every call gives up after `ms`. A call that runs out of time also
 * replaces the connection (a frozen server's socket may stay open for minutes): the next call
 * opens a new one, and calls still waiting on the old one fail as timed out too.
 */
function deadlined(open: () => Client, ms: number): Client {
  return replaceable(open, (connection) => {
    const timed =
      <A extends unknown[], R>(call: (client: Client, ...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const used = connection.current();
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DatabaseTimeout(ms)), ms);
        });
        try {
          return await Promise.race([call(used, ...args), expired]);
        } catch (err) {
          if (err instanceof DatabaseTimeout) connection.replace(used);
          // Its connection was closed under it because another call ran out of time: the same failure.
          if (used !== connection.current()) throw new DatabaseTimeout(ms);
          throw err;
        } finally {
          clearTimeout(timer);
        }
      };
    return {
      execute: timed((client, statement: InStatement | string, args?: InArgs) => client.execute(statementOf(statement, args))),
      batch: timed((client, statements: InStatement[], mode?: TransactionMode) => client.batch(statements, mode)),
      migrate: timed((client, statements: InStatement[]) => client.migrate(statements)),
    };
  });
}

/** A client's connection, which a wrapper may replace (at most once per connection it used). */
interface Connection {
  current(): Client;
  /** Opens a new connection and closes `used`, unless `used` was already replaced. */
  replace(used: Client): void;
}

/**
 * A client over a connection that can be replaced: the calls `wrap` returns stand in for the
 * client's own of those names; everything else goes to the connection of the moment.
 */
function replaceable(open: () => Client, wrap: (connection: Connection) => Partial<Pick<Client, 'execute' | 'batch' | 'migrate'>>): Client {
  let current = open();
  const calls: Partial<Client> = wrap({
    current: () => current,
    replace(used) {
      if (used !== current) return;
      current = open();
      used.close();
    },
  });
  return new Proxy({} as Client, {
    get(_, prop) {
      if (prop in calls) return calls[prop as keyof Client];
      const value = Reflect.get(current, prop, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

/** A statement as one object, whether given as text and arguments or already as one. */
function statementOf(statement: InStatement | string, args?: InArgs): InStatement {
  return typeof statement === 'string' ? { sql: statement, args: args ?? [] } : statement;
}

/** A fetch that gives up after `ms` and asks for uncompressed answers (the remote client's every request goes through it). */
function deadlineFetch(ms: number) {
  return (input: RequestInfo | URL, init?: RequestInit) => {
    const deadline = AbortSignal.timeout(ms);
    const request = new Request(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
    // Answers are small and on a private network: inflating each one costs more CPU than it saves.
    request.headers.set('accept-encoding', 'identity');
    return fetch(request);
  };
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;
const SELECT = /^\s*select\b/i;

/**
 * A remote client whose reads issued together (a use case's `Promise.all`, the same tick) travel
 * as one request: one read-only batch, which also sees one consistent state. If the batch
 * fails, each read runs alone, so each caller gets its own answer or error.
 */
function coalescing(client: Client): Client {
  type Waiting = { stmt: InStatement; resolve: (r: ResultSet) => void; reject: (e: unknown) => void };
  let queue: Waiting[] = [];
  const alone = (w: Waiting) => client.execute(w.stmt).then(w.resolve, w.reject);
  const flush = async () => {
    const batch = queue;
    queue = [];
    if (batch.length === 1) {
      await alone(batch[0]!);
      return;
    }
    try {
      const results = await client.batch(
        batch.map((w) => w.stmt),
        'read',
      );
      for (const [i, w] of batch.entries()) w.resolve(results[i]!);
    } catch {
      for (const w of batch) void alone(w);
    }
  };
  const execute = (statement: InStatement | string, args?: InArgs): Promise<ResultSet> => {
    const stmt = statementOf(statement, args);
    if (!SELECT.test(typeof stmt === 'string' ? stmt : stmt.sql)) return client.execute(stmt);
    return new Promise((resolve, reject) => {
      if (queue.push({ stmt, resolve, reject }) === 1) setImmediate(() => void flush());
    });
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'execute') return execute;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** How an embedded client's writes behave towards another process's. */
interface Manners {
  /** Before each write: a promise to wait for while another process's writes go first (null: none). */
  giveWay?: () => Promise<void> | null;
  /** Told true at each retry of a write that found the lock held, false when none waits any more. */
  waiting?: (waiting: boolean) => void;
  /** How many writes of the handle wait for the lock now (kept by `untilFree`). */
  waiters?: number;
}

/**
 * An embedded client made safe to use without SQLite's busy wait:
 * - every write takes the write lock first (`BEGIN IMMEDIATE`), so finding it taken fails
 *   before anything is written;
 * - a call that finds the database locked by another process (SQLITE_BUSY) is tried again on a
 *   timer, backing off to every 10 ms, until `limitMs` has passed; then its error stands. A busy
 *   call wrote nothing, so trying again is safe. SQLite does not queue writers: a process that
 *   writes back to back (the delivery process in a fan-out) leaves the lock free for
 *   microseconds at a time, and a write polling on timers could wait seconds. So each retry says
 *   so (`manners.waiting`), and the server's delivery process, told, holds its next writes
 *   (`manners.giveWay`) until the server's have gone;
 * - with `reopen`, a busy call also replaces the connection: the embedded driver leaves the
 *   statement that failed unfinished, and a connection with an unfinished statement can never
 *   commit again ("SQL statements in progress"). (A replica is this process's own file: nobody
 *   else locks it.)
 */
function patient(open: () => Client, limitMs: number, reopen: boolean, manners: Manners = {}, settings?: string): Client {
  // Each connection (the first, and each that replaces one) runs `settings` before its first call.
  const configured = new WeakMap<Client, Promise<unknown>>();
  const ready = (used: Client): Promise<unknown> | undefined => {
    if (!settings) return undefined;
    let done = configured.get(used);
    if (!done) {
      done = used.execute(settings);
      configured.set(used, done);
      done.catch(() => configured.delete(used)); // tried again by the next call
    }
    return done;
  };
  return replaceable(open, (connection) => {
    const retrying =
      <A extends unknown[], R>(isWrite: (...args: A) => boolean, call: (client: Client, write: boolean, ...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        const write = isWrite(...args);
        return untilFree(limitMs, manners, write, async () => {
          for (;;) {
            const used = connection.current();
            try {
              const configuring = ready(used);
              if (configuring) await configuring;
              return await call(used, write, ...args);
            } catch (err) {
              // Replaced while this call waited for it: nothing ran; run on the new one.
              if (used !== connection.current() && (err as { code?: unknown }).code === 'CLIENT_CLOSED') continue;
              if (reopen && isBusy(err)) connection.replace(used);
              throw err;
            }
          }
        });
      };
    return {
      batch: retrying(
        (_statements: InStatement[], mode?: TransactionMode) => mode !== 'read',
        (client, _write, statements: InStatement[], mode?: TransactionMode) =>
          client.batch(statements, mode === undefined || mode === 'deferred' ? 'write' : mode),
      ),
      execute: retrying(
        (statement: InStatement | string) => WRITE.test(sqlOf(statement)),
        async (client, write, statement: InStatement | string, args?: InArgs) => {
          const stmt = statementOf(statement, args);
          return write ? (await client.batch([stmt], 'write'))[0]! : client.execute(stmt);
        },
      ),
    };
  });
}

const sqlOf = (statement: InStatement | string): string => (typeof statement === 'string' ? statement : statement.sql);

/** A drizzle statement as the client's own: its SQL and arguments. */
function inStatement(statement: Statement): InStatement {
  type Built = { sql: string; params: unknown[] };
  // A query builder says its SQL with `toSQL`, a raw statement (`db.run(sql`…`)`) with `getQuery`.
  const built = statement as unknown as { toSQL?: () => Built; getQuery: () => Built };
  const query = built.toSQL ? built.toSQL() : built.getQuery();
  return { sql: query.sql, args: query.params as InArgs };
}

/**
 * A connection of its own (`open`: an embedded file's, that never waits itself) in a write
 * transaction, opened and begun once the file is free (opening one can find it busy too, for a
 * moment).
 */
function writeTransaction(open: () => Promise<Client>, limitMs: number, manners: Manners): Promise<{ own: Client; tx: Transaction }> {
  return untilFree(limitMs, manners, true, async () => {
    let own: Client | undefined;
    try {
      own = await open();
      return { own, tx: await own.transaction('write') };
    } catch (err) {
      own?.close();
      throw err;
    }
  });
}

/**
 * Runs `attempt` again on timers (1, 2, 4… then 10 ms apart) while it finds the file busy, for up
 * to `limitMs`; then its busy error is thrown. A write first waits out a hold (`giveWay`), and
 * says while it waits for the lock (`waiting`: true at each retry, false once no write of the
 * handle waits any more).
 */
async function untilFree<R>(limitMs: number, manners: Manners, write: boolean, attempt: () => Promise<R>): Promise<R> {
  let deadline = Date.now() + limitMs;
  let waited = false;
  try {
    for (let wait = 1; ; wait = Math.min(wait * 2, 10)) {
      const gate = write ? manners.giveWay?.() : null;
      if (gate) deadline += await heldFor(gate);
      try {
        return await attempt();
      } catch (err) {
        if (!isBusy(err) || Date.now() + wait > deadline) throw err;
        if (write) {
          if (!waited) manners.waiters = (manners.waiters ?? 0) + 1;
          waited = true;
          manners.waiting?.(true);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  } finally {
    if (waited) {
      manners.waiters = (manners.waiters ?? 1) - 1;
      if (manners.waiters === 0) manners.waiting?.(false);
    }
  }
}

/**
 * Waits out a hold (`giveWay`): how long it took. A write's time limit is for the database (a lock
 * held too long, a server that does not answer), so a write held back to let another process's
 * go first gets that time on top: a delivery process given way to for seconds while the server
 * wrote failed as busy, its email sent a poll later.
 */
async function heldFor(gate: Promise<void>): Promise<number> {
  const from = Date.now();
  await gate;
  return Date.now() - from;
}

function isBusy(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  }
  return false;
}

const RACE_TRIES = 6;

/** A write that lost to other writers of the same rows every time it ran: nothing of it was written. */
export class WriteConflict extends Error {
  constructor(cause: unknown) {
    super('Other requests changed the same records at the same moment; nothing was written', { cause });
  }
}

/** Whether `err` (or one it wraps) says another writer got there first: a UNIQUE or PRIMARY KEY failure, or the write guard. */
function lostRace(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const codes = [(e as { code?: unknown }).code, (e as { extendedCode?: unknown }).extendedCode];
    if (codes.some((c) => c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY')) return true;
    if (/\b(UNIQUE|PRIMARY KEY) constraint failed\b|\bwrite_guard_changed_one\b/.test(e.message)) return true;
  }
  return false;
}
