import { randomBytes, timingSafeEqual } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { apiKeys } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { SCOPES, type Scope } from '../../domain/access.ts';
import { NotFound, ValidationFailed } from '../../domain/errors.ts';
import { SYSTEM_ACTOR, type Actor, type ServiceContext } from '../context.ts';
import { auditEntry } from '../audit.ts';
import { sha256 } from '../secrets.ts';
import { INTERNAL, REVOCATION, type Database } from '../../../db/client.ts';

export type ApiKey = Omit<typeof apiKeys.$inferSelect, 'secretHash'>;

// A key reads `candor_<id>_<secret>`: the id finds the row, the secret is checked against its
// stored sha256 in constant time. Neither half is ever logged.
const KEY_PATTERN = /^candor_([a-z0-9]{12})_([0-9a-f]{64})$/;

function publicPart({ secretHash: _, ...key }: typeof apiKeys.$inferSelect): ApiKey {
  return key;
}

/** Creates an API key; the secret is returned here once and never again. */
export async function createApiKey(
  ctx: ServiceContext,
  input: { name: string; scopes: string[] },
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ key: ApiKey; secret: string }> {
  const name = input.name.trim();
  const errors = [];
  if (!name) errors.push({ path: 'name', message: 'must not be empty' });
  if (input.scopes.length === 0) errors.push({ path: 'scopes', message: `name at least one of ${SCOPES.join(', ')}` });
  for (const s of input.scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) errors.push({ path: 'scopes', message: `unknown scope ${s}; use ${SCOPES.join(', ')}` });
  }
  if (errors.length) throw new ValidationFailed(errors);
  const id = newId();
  const secret = randomBytes(32).toString('hex');
  const row = { id, name, scopes: [...new Set(input.scopes)] as Scope[], secretHash: sha256(secret), createdAt: ctx.now() };
  await ctx.database.exclusive(() =>
    ctx.database.commit(
      [
        ctx.database.db.insert(apiKeys).values(row),
        auditEntry(ctx.database, actor, row.createdAt, 'api_key.create', { type: 'api_key', id }, { name, scopes: row.scopes }),
      ],
      INTERNAL,
    ),
  );
  return { key: publicPart({ ...row, lastUsedAt: null, revokedAt: null }), secret: `candor_${id}_${secret}` };
}

/** Every key, revoked ones included, oldest first. */
export async function listApiKeys(ctx: ServiceContext): Promise<ApiKey[]> {
  const rows = await ctx.database.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt));
  return rows.map(publicPart);
}

/**
 * Keys this process verified in the last second, per database: a responder's requests come in
 * bursts, and each would otherwise begin with a round trip to read its key. An entry holds the
 * key's secret hash, so a token is still checked in full. A revocation this process commits
 * empties it (whichever copy of this module made it: the console's pages are bundled apart);
 * another instance's entries lapse within `VERIFIED_FOR_MS` (docs/decisions/011).
 */
const verified = new WeakMap<Database, Map<string, { key: ApiKey; hash: Buffer; until: number }>>();
const VERIFIED_FOR_MS = 1000;

function verifiedKeys(database: Database) {
  const known = verified.get(database);
  if (known) return known;
  const keys = new Map<string, { key: ApiKey; hash: Buffer; until: number }>();
  verified.set(database, keys);
  database.afterCommit((commit) => commit.revokes && keys.clear());
  return keys;
}

/** Revokes a key: this instance refuses requests carrying it from then on, the others within a second. */
export async function revokeApiKey(ctx: ServiceContext, id: string, actor: Actor = SYSTEM_ACTOR): Promise<ApiKey> {
  const { database } = ctx;
  return database.exclusive(async () => {
    const row = await database.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!row) throw new NotFound('API key', id);
    const revokedAt = row.revokedAt ?? ctx.now();
    await database.commit(
      [
        database.db.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, id)),
        auditEntry(database, actor, ctx.now(), 'api_key.revoke', { type: 'api_key', id }, { name: row.name }),
      ],
      REVOCATION,
    );
    return publicPart({ ...row, revokedAt });
  });
}

/** The live key a bearer token names, or null: unknown, malformed, wrong secret and revoked all look alike. */
export async function authenticateApiKey(ctx: ServiceContext, token: string): Promise<ApiKey | null> {
  const match = KEY_PATTERN.exec(token);
  if (!match) return null;
  const [, id = '', secret = ''] = match;
  const presented = Buffer.from(sha256(secret), 'hex');
  const keys = verifiedKeys(ctx.database);
  const known = keys.get(id);
  if (known && known.until > performance.now() && timingSafeEqual(presented, known.hash)) return known.key;
  const row = await ctx.database.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  const expected = row ? Buffer.from(row.secretHash, 'hex') : Buffer.alloc(32);
  const valid = timingSafeEqual(presented, expected) && row !== undefined && row.revokedAt === null;
  if (!valid || !row) {
    keys.delete(id);
    return null;
  }
  const now = ctx.now();
  // last_used_at is bookkeeping, not page data: written directly, at most once a minute.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await ctx.database.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
  }
  const key = publicPart(row);
  keys.set(id, { key, hash: expected, until: performance.now() + VERIFIED_FOR_MS });
  return key;
}
