import { eq } from 'drizzle-orm';
import { settings } from '../../db/schema/index.ts';
import { DEFAULT_CADENCE_POLICY, validatePolicy, type CadencePolicy } from '../domain/incident/cadence.ts';
import { ValidationFailed } from '../domain/errors.ts';
import { auditEntry } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';

const KEY = 'cadence_policy';

/** The deployment's update cadence policy (the defaults until an operator changes it). */
export function loadCadencePolicy(ctx: ServiceContext): Promise<CadencePolicy> {
  return ctx.policy ?? readPolicy(ctx);
}

/**
 * `ctx` with the policy read once, starting now: a use case's every rule then applies the same
 * policy, and the read runs alongside the use case's other reads instead of after them.
 */
export function withPolicy(ctx: ServiceContext): ServiceContext {
  const policy = ctx.policy ?? readPolicy(ctx);
  policy.catch(() => undefined); // a failed read surfaces where it is awaited
  return { ...ctx, policy };
}

async function readPolicy(ctx: ServiceContext): Promise<CadencePolicy> {
  const row = await ctx.database.db.select().from(settings).where(eq(settings.key, KEY)).get();
  return row ? (JSON.parse(row.value) as CadencePolicy) : DEFAULT_CADENCE_POLICY;
}

/** Replaces the policy after validating it; open incidents keep their deadline until their next change. */
export async function saveCadencePolicy(ctx: ServiceContext, actor: Actor, policy: CadencePolicy): Promise<CadencePolicy> {
  const errors = validatePolicy(policy);
  if (errors.length) throw new ValidationFailed(errors, 'The policy has invalid values');
  const { database } = ctx;
  const value = JSON.stringify(policy);
  await database.exclusive(() =>
    database.commit([
      database.db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } }),
      auditEntry(database, actor, ctx.now(), 'policy.update', { type: 'policy', id: KEY }, policy),
    ]),
  );
  return policy;
}
