/** API key scopes: `admin` may do everything, `incidents:write` may run incidents and read, `read` may only read. */
export const SCOPES = ['admin', 'incidents:write', 'read'] as const;
export type Scope = (typeof SCOPES)[number];

const GRANTS: Record<Scope, readonly Scope[]> = {
  admin: SCOPES,
  'incidents:write': ['incidents:write', 'read'],
  read: ['read'],
};

/** Whether a key holding `held` may do what `needed` guards. */
export function allows(held: readonly string[], needed: Scope): boolean {
  return held.some((s) => (GRANTS as Record<string, readonly Scope[]>)[s]?.includes(needed) ?? false);
}

/** Console roles: an owner does everything, a responder runs incidents and maintenance, a viewer reads. */
export const ROLES = ['owner', 'responder', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do, in the API's scopes: one rule for keys and people. */
export const ROLE_SCOPE: Record<Role, Scope> = { owner: 'admin', responder: 'incidents:write', viewer: 'read' };

/** How long a console session lasts: unused for `idleMs`, or `absoluteMs` after sign-in, it ends. */
export const SESSION_LIMITS = { idleMs: 24 * 60 * 60_000, absoluteMs: 14 * 24 * 60 * 60_000 };

/** Whether a session is still good at `now`. */
export function sessionLive(session: { createdAt: Date; lastSeenAt: Date; endedAt: Date | null }, now: Date, limits = SESSION_LIMITS): boolean {
  const t = now.getTime();
  return session.endedAt === null && t - session.lastSeenAt.getTime() < limits.idleMs && t - session.createdAt.getTime() < limits.absoluteMs;
}

/** How long a one-time link works: a sign-in link briefly, an invitation for a week. */
export const LINK_TTL_MS = { sign_in: 15 * 60_000, invite: 7 * 24 * 60 * 60_000 } as const;

/** Sign-in attempts (password or link requests): at most this many per account and per address. */
export const SIGN_IN_LIMIT = { limit: 10, windowMs: 15 * 60_000 };

/** A password long enough to resist guessing; length is what matters (NIST SP 800-63B). */
export function checkPassword(password: string): string | null {
  if (password.length < 12) return 'at least 12 characters';
  if (password.length > 256) return 'at most 256 characters';
  return null;
}
