import { INTERNAL, type Statement } from '../../../db/client.ts';
import { asc, eq } from 'drizzle-orm';
import { signInLinks, users } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { LINK_TTL_MS, ROLES, type Role } from '../../domain/access.ts';
import { Conflict, NotFound, ValidationFailed } from '../../domain/errors.ts';
import { eventKey } from '../../domain/outbox/events.ts';
import { outbox, sessions } from '../../../db/schema/index.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { newToken, sha256 } from '../secrets.ts';
import { normaliseEmail } from '../subscribers/save.ts';

export type User = Omit<typeof users.$inferSelect, 'passwordHash'> & { hasPassword: boolean };

export function publicUser({ passwordHash, ...user }: typeof users.$inferSelect): User {
  return { ...user, hasPassword: passwordHash !== null };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The console's address for a one-time link. */
const signInUrl = (publicUrl: string, token: string) => `${publicUrl}/admin/sign-in/link?token=${token}`;

/**
 * Creates a user and a one-time invitation link (7 days). With `email`, the link is sent
 * through the outbox in the same transaction; it is also returned (the CLI prints it).
 */
export async function createUser(
  ctx: ServiceContext,
  actor: Actor,
  input: { email: string; name?: string | null; role: string },
  link: { publicUrl: string; email: boolean },
): Promise<{ user: User; link: string }> {
  const email = normaliseEmail(input.email);
  const errors = [];
  if (!EMAIL.test(email) || email.length > 320) errors.push({ path: 'email', message: 'not an email address' });
  if (!(ROLES as readonly string[]).includes(input.role)) errors.push({ path: 'role', message: `one of ${ROLES.join(', ')}` });
  const name = input.name?.trim() || null;
  if (name && name.length > 200) errors.push({ path: 'name', message: 'at most 200 characters' });
  if (errors.length) throw new ValidationFailed(errors);
  const { database } = ctx;
  const id = newId();
  let url = '';
  await database.exclusive(async () => {
    const existing = await database.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
    if (existing) throw new Conflict(`${email} already has an account`, [{ path: 'email', message: 'already has an account' }]);
    const now = ctx.now();
    const invite = planSignInLink(ctx, {
      userId: id,
      email,
      purpose: 'invite',
      publicUrl: link.publicUrl,
      send: link.email,
      extra: { invited_by: actor.name, role: input.role },
    });
    url = invite.url;
    await database.commit(
      [
        database.db.insert(users).values({ id, email, name, role: input.role as Role, createdAt: now, updatedAt: now }),
        ...invite.statements,
        auditEntry(database, actor, now, 'user.create', { type: 'user', id }, { email, role: input.role }),
      ],
      INTERNAL,
    );
  });
  return { user: await getUser(ctx, id), link: url };
}

async function getUser(ctx: ServiceContext, id: string): Promise<User> {
  const row = await ctx.database.db.select().from(users).where(eq(users.id, id)).get();
  if (!row) throw new NotFound('user', id);
  return publicUser(row);
}

/** Every user, oldest first. */
export async function listUsers(ctx: ServiceContext): Promise<User[]> {
  return (await ctx.database.db.select().from(users).orderBy(asc(users.createdAt), asc(users.id))).map(publicUser);
}

/** The stored row of the user with this address (any case), if any. */
export function userRowByEmail(ctx: ServiceContext, email: string) {
  return ctx.database.db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
    .get();
}

/**
 * A new one-time link for a user (an invitation or a sign-in), and with `send` its email through
 * the outbox: the rows to commit, and the link.
 */
export function planSignInLink(
  ctx: ServiceContext,
  link: { userId: string; email: string; purpose: 'invite' | 'sign_in'; publicUrl: string; send: boolean; extra?: Record<string, string> },
): { url: string; statements: Statement[] } {
  const { db } = ctx.database;
  const token = newToken();
  const tokenHash = sha256(token);
  const url = signInUrl(link.publicUrl, token);
  const now = ctx.now();
  return {
    url,
    statements: [
      db
        .insert(signInLinks)
        .values({ tokenHash, userId: link.userId, purpose: link.purpose, createdAt: now, expiresAt: new Date(now.getTime() + LINK_TTL_MS[link.purpose]) }),
      ...(link.send
        ? [
            db.insert(outbox).values({
              recipient: link.email,
              eventKey: eventKey({ kind: 'sign_in', tokenHash }),
              template: 'sign-in',
              payload: { purpose: link.purpose, url, ...link.extra },
              nextAttemptAt: now,
              createdAt: now,
            }),
          ]
        : []),
    ],
  };
}

export async function findUserByEmail(ctx: ServiceContext, email: string): Promise<User> {
  const row = await userRowByEmail(ctx, email);
  if (!row) throw new NotFound('user', email, 'email');
  return publicUser(row);
}

export async function hasUsers(ctx: ServiceContext): Promise<boolean> {
  return (await ctx.database.db.select({ id: users.id }).from(users).limit(1).get()) !== undefined;
}

/**
 * Changes a user's role or disables them (their sessions end at once). The last active owner
 * cannot be demoted or disabled: someone must be able to manage the console.
 */
export async function changeUser(ctx: ServiceContext, actor: Actor, id: string, change: { role?: string; disabled?: boolean }): Promise<User> {
  if (change.role !== undefined && !(ROLES as readonly string[]).includes(change.role))
    throw new ValidationFailed([{ path: 'role', message: `one of ${ROLES.join(', ')}` }]);
  const { database } = ctx;
  await database.exclusive(async () => {
    const user = await getUser(ctx, id);
    const role = (change.role as Role | undefined) ?? user.role;
    const disabledAt = change.disabled === undefined ? user.disabledAt : change.disabled ? (user.disabledAt ?? ctx.now()) : null;
    const losesOwner = user.role === 'owner' && user.disabledAt === null && (role !== 'owner' || disabledAt !== null);
    if (losesOwner) {
      const owners = (await listUsers(ctx)).filter((u) => u.role === 'owner' && u.disabledAt === null);
      if (owners.length <= 1)
        throw new Conflict('The console needs at least one active owner', [
          { path: change.role ? 'role' : 'disabled', message: 'this is the last active owner' },
        ]);
    }
    const now = ctx.now();
    await database.commit(
      [
        database.db.update(users).set({ role, disabledAt, updatedAt: now }).where(eq(users.id, id)),
        ...(disabledAt ? [database.db.update(sessions).set({ endedAt: now }).where(eq(sessions.userId, id))] : []),
        auditEntry(database, actor, now, disabledAt && !user.disabledAt ? 'user.disable' : 'user.update', { type: 'user', id }, change),
      ],
      INTERNAL,
    );
  });
  return getUser(ctx, id);
}
