import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { DomainError } from '../api/domain/errors.ts';
import type { Database } from './client.ts';

const fileOf = (url: string) => (url.startsWith('file:') && !url.startsWith('file::memory:') ? url.slice('file:'.length).split('?')[0]! : null);

/**
 * Writes a consistent copy of an embedded database to `to` while instances keep writing
 * (`VACUUM INTO` reads one snapshot; writers are not blocked). A libSQL server is backed up on
 * its own side (docs/deploy.md).
 */
export async function backupDatabase(database: Database, to: string): Promise<void> {
  if (!fileOf(database.url))
    throw new DomainError('usage', 'db backup copies an embedded database (file:…); back up a libSQL server on its own side (docs/deploy.md)');
  if (existsSync(to)) throw new DomainError('usage', `${to} exists; back up to a new file`);
  await database.client.execute({ sql: 'VACUUM INTO ?', args: [to] });
}

/**
 * Replaces the embedded database at `url` with the backup `from`, after checking that the backup
 * is a sound Candor database and that no instance runs on the target (its lease is not live).
 */
export async function restoreDatabase(url: string, from: string): Promise<void> {
  const target = fileOf(url);
  if (!target) throw new DomainError('usage', 'db restore replaces an embedded database (file:…); restore a libSQL server on its own side (docs/deploy.md)');
  if (!existsSync(from)) throw new DomainError('usage', `${from} does not exist`);
  const backup = createClient({ url: `file:${from}` });
  try {
    const check = await backup.execute('PRAGMA integrity_check');
    if (check.rows[0]?.integrity_check !== 'ok') throw new DomainError('usage', `${from} is damaged: ${String(check.rows[0]?.integrity_check)}`);
    await backup.execute('SELECT count(*) FROM __drizzle_migrations').catch(() => {
      throw new DomainError('usage', `${from} is not a Candor database`);
    });
  } finally {
    backup.close();
  }
  if (existsSync(target)) {
    const live = createClient({ url: `file:${target}` });
    try {
      const lease = await live.execute({ sql: 'SELECT expires_at FROM leases WHERE expires_at > ?', args: [Date.now()] }).catch(() => ({ rows: [] }));
      if (lease.rows.length) throw new DomainError('usage', 'An instance is running on this database (its lease is live): stop every instance, then restore');
    } finally {
      live.close();
    }
  }
  // Copy beside it, then swap in one rename; the old write-ahead log belongs to the old file.
  copyFileSync(from, `${target}.restoring`);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(`${target}.restoring`, target);
}
