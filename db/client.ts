import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import * as schema from './schema/index.ts';

export type Drizzle = LibSQLDatabase<typeof schema>;
export type WriteStatement = BatchItem<'sqlite'>;

export const DEFAULT_DATABASE_URL = 'file:./data/candor.db';
const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** A Candor database: drizzle for queries, plus the one way to write. */
export interface Database {
  readonly url: string;
  readonly db: Drizzle;
  readonly client: Client;
  /**
   * Runs `work` with this process's write lock held. Services read, decide, then call
   * `commit` once inside it, so read-decide-write never interleaves within a process and
   * each database write transaction stays as short as one batch.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Writes the statements atomically (one batch, one transaction) and bumps the change counter. */
  commit(statements: WriteStatement[]): Promise<void>;
  /** The change counter: moves on every commit, from any process sharing the database. */
  changeCount(): Promise<number>;
  /** Calls `listener` after each commit this process makes. */
  afterCommit(listener: () => void): void;
  migrate(): Promise<void>;
  close(): void;
}

/** Opens the database at `url` (`file:`, `:memory:`, `libsql://`, `http(s)://`). No global instance. */
export async function createDb(url: string = DEFAULT_DATABASE_URL, authToken?: string): Promise<Database> {
  const local = url === ':memory:' || url.startsWith('file:');
  if (url.startsWith('file:') && !url.startsWith('file::memory:')) {
    mkdirSync(dirname(url.slice('file:'.length).split('?')[0] ?? '.'), { recursive: true });
  }
  // `timeout` is SQLite's busy_timeout for local files: another process (the CLI, a backup)
  // holding the write lock makes us wait instead of failing.
  // An embedded database runs SQLite on this thread, so more connections add no parallelism;
  // one connection (writes are single batches, never open transactions) also keeps its
  // per-connection settings: WAL's usual synchronous=NORMAL (no fsync per commit; a power cut
  // can lose the last commits, never corrupt the file).
  const client = createClient({ url, authToken, timeout: 5000, intMode: 'number', ...(local && { concurrency: 1 }) });
  if (local && url !== ':memory:') {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  const db = drizzle({ client, schema, casing: 'snake_case' });

  let tail: Promise<unknown> = Promise.resolve();
  // Another process may write between this one's reads and its commit. Where that breaks a
  // uniqueness the database enforces, or a versioned row changed since it was read (the write
  // guard), nothing of this commit was written: the work runs again, reads what the other
  // process wrote, and decides anew (or refuses as the rules say).
  const attempt = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let tries = 1; ; tries++) {
      try {
        return await work();
      } catch (err) {
        if (tries >= 3 || !lostRace(err)) throw err;
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
  const listeners: (() => void)[] = [];
  const bump: SQL = sql`INSERT INTO change_counter (id, value) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET value = value + 1`;

  return {
    url,
    db,
    client,
    exclusive,
    async commit(statements) {
      await db.batch([db.run(bump), ...statements] as [WriteStatement, ...WriteStatement[]]);
      for (const listener of listeners) listener();
    },
    afterCommit(listener) {
      listeners.push(listener);
    },
    async changeCount() {
      const row = await db.select({ value: schema.changeCounter.value }).from(schema.changeCounter).get();
      return row?.value ?? 0;
    },
    async migrate() {
      // Several instances (or the CLI beside a server) may start at once. Migrations apply in
      // one transaction, so the loser of a race fails cleanly; on retry it finds them applied.
      for (let attempt = 1; ; attempt++) {
        try {
          return await migrate(db, { migrationsFolder: MIGRATIONS });
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

/** Whether `err` (or one it wraps) says another writer got there first: a UNIQUE or PRIMARY KEY failure, or the write guard. */
function lostRace(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const codes = [(e as { code?: unknown }).code, (e as { extendedCode?: unknown }).extendedCode];
    if (codes.some((c) => c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY')) return true;
    if (/\b(UNIQUE|PRIMARY KEY) constraint failed\b|\bwrite_guard_changed_one\b/.test(e.message)) return true;
  }
  return false;
}
