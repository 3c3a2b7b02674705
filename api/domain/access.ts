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
