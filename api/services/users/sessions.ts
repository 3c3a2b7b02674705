import { and, eq, isNull } from 'drizzle-orm';
import { signInLinks, sessions, users } from '../../../db/schema/index.ts';
import { checkPassword, sessionLive, SIGN_IN_LIMIT } from '../../domain/access.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { consumeRateLimit } from '../rate-limit.ts';
import { hashPassword, newToken, sha256, verifyPassword } from '../secrets.ts';
import { normaliseEmail } from '../subscribers/save.ts';
import { changedOne } from '../versioned.ts';
import { planSignInLink, publicUser, userRowByEmail, type User } from './users.ts';
import { INTERNAL } from '../../../db/client.ts';

export interface SignedIn {
  /** The cookie's value; only its hash is stored. */
  token: string;
  user: User;
}

export interface ConsoleSession {
  user: User;
  csrfToken: string;
  tokenHash: string;
}

/** A console user as the audit log and timeline name them. */
export const sessionActor = (user: User): Actor => ({ apiKeyId: null, userId: user.id, name: user.email });

/** The one answer to any failed sign-in: which part was wrong is not said. */
const refused = (path: string) => new ValidationFailed([{ path, message: 'wrong email address or password' }], 'Sign-in failed');

function startSession(ctx: ServiceContext, user: User, how: string) {
  const { database } = ctx;
  const token = newToken();
  const now = ctx.now();
  return {
    token,
    statements: [
      database.db.insert(sessions).values({ tokenHash: sha256(token), userId: user.id, csrfToken: newToken(), createdAt: now, lastSeenAt: now }),
      auditEntry(database, sessionActor(user), now, 'session.start', { type: 'user', id: user.id }, { how }),
    ],
  };
}

const limitKeys = (email: string, ip: string) => [
  { key: `sign_in:email:${normaliseEmail(email)}`, path: 'email' },
  { key: `sign_in:ip:${ip}`, path: 'ip' },
];

/**
 * Emails a one-time sign-in link to an active user (15 minutes). Rate limited per address and
 * per client; the caller answers the same whether or not the address has an account.
 */
export async function requestSignInLink(ctx: ServiceContext, input: { email: string; ip: string; publicUrl: string }): Promise<void> {
  await consumeRateLimit(ctx, limitKeys(input.email, input.ip), SIGN_IN_LIMIT);
  const row = await userRowByEmail(ctx, input.email);
  if (!row || row.disabledAt) return;
  const link = planSignInLink(ctx, { userId: row.id, email: row.email, purpose: 'sign_in', publicUrl: input.publicUrl, send: true });
  await ctx.database.exclusive(() => ctx.database.commit(link.statements, INTERNAL));
}

/** Signs in with a one-time link: it works once, before it expires, for a user still active. */
export async function signInWithLink(ctx: ServiceContext, token: string): Promise<SignedIn> {
  const { database } = ctx;
  const tokenHash = sha256(token);
  return database.exclusive(async () => {
    const link = await database.db.select().from(signInLinks).where(eq(signInLinks.tokenHash, tokenHash)).get();
    const now = ctx.now();
    const row = link && (await database.db.select().from(users).where(eq(users.id, link.userId)).get());
    if (!link || !row || link.usedAt || link.expiresAt <= now || row.disabledAt)
      throw new ValidationFailed([{ path: 'token', message: 'this link has expired or was already used; ask for a new one' }], 'Sign-in failed');
    const user = publicUser(row);
    const session = startSession(ctx, user, link.purpose === 'invite' ? 'invitation' : 'email link');
    await database.commit(
      [
        // Used once, even by two instances at the same moment: the guard aborts the second.
        database.db
          .update(signInLinks)
          .set({ usedAt: now })
          .where(and(eq(signInLinks.tokenHash, tokenHash), isNull(signInLinks.usedAt))),
        changedOne(database),
        ...session.statements,
      ],
      INTERNAL,
    );
    return { token: session.token, user };
  });
}

/** Signs in with a password. Rate limited per account and per client, failures look alike and take alike. */
export async function signInWithPassword(ctx: ServiceContext, input: { email: string; password: string; ip: string }): Promise<SignedIn> {
  await consumeRateLimit(ctx, limitKeys(input.email, input.ip), SIGN_IN_LIMIT);
  const { database } = ctx;
  const row = await userRowByEmail(ctx, input.email);
  const ok = await verifyPassword(input.password, row?.passwordHash ?? null);
  if (!row || !ok || row.disabledAt) throw refused('password');
  const user = publicUser(row);
  const session = startSession(ctx, user, 'password');
  await database.exclusive(() => database.commit(session.statements, INTERNAL));
  return { token: session.token, user };
}

// last_seen_at is bookkeeping: written at most once a minute per session.
const TOUCH_MS = 60_000;

/** The live session a cookie names, with its user, or null (unknown, ended, expired, user disabled). */
export async function resolveSession(ctx: ServiceContext, token: string): Promise<ConsoleSession | null> {
  if (!token || token.length > 100) return null;
  const { db } = ctx.database;
  const tokenHash = sha256(token);
  const found = await db.select().from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.tokenHash, tokenHash)).get();
  const now = ctx.now();
  if (!found || found.users.disabledAt || !sessionLive(found.sessions, now)) return null;
  if (now.getTime() - found.sessions.lastSeenAt.getTime() > TOUCH_MS)
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));
  return { user: publicUser(found.users), csrfToken: found.sessions.csrfToken, tokenHash };
}

/** Signs out this browser, or (`everywhere`) every session of its user. */
export async function endSessions(ctx: ServiceContext, session: ConsoleSession, everywhere: boolean): Promise<void> {
  const { database } = ctx;
  const now = ctx.now();
  const which = everywhere ? eq(sessions.userId, session.user.id) : eq(sessions.tokenHash, session.tokenHash);
  await database.exclusive(() =>
    database.commit(
      [
        database.db
          .update(sessions)
          .set({ endedAt: now })
          .where(and(which, isNull(sessions.endedAt))),
        auditEntry(database, sessionActor(session.user), now, everywhere ? 'session.end_all' : 'session.end', { type: 'user', id: session.user.id }),
      ],
      INTERNAL,
    ),
  );
}

/** Sets the signed-in user's password (at least 12 characters); other sessions end. */
export async function setPassword(ctx: ServiceContext, session: ConsoleSession, password: string): Promise<void> {
  const problem = checkPassword(password);
  if (problem) throw new ValidationFailed([{ path: 'password', message: problem }]);
  const { database } = ctx;
  const passwordHash = await hashPassword(password);
  const now = ctx.now();
  await database.exclusive(() =>
    database.commit(
      [
        database.db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, session.user.id)),
        database.db
          .update(sessions)
          .set({ endedAt: now })
          .where(and(eq(sessions.userId, session.user.id), isNull(sessions.endedAt))),
        database.db.update(sessions).set({ endedAt: null }).where(eq(sessions.tokenHash, session.tokenHash)),
        auditEntry(database, sessionActor(session.user), now, 'user.password', { type: 'user', id: session.user.id }),
      ],
      INTERNAL,
    ),
  );
}
