import { asc, eq } from 'drizzle-orm';
import { customers, slaPlans } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { validateTerms, type SlaTerms } from '../../domain/availability/sla.ts';
import { Conflict, NotFound, ValidationFailed } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { INTERNAL } from '../../../db/client.ts';

export type SlaPlan = typeof slaPlans.$inferSelect;
export type PlanInput = { name: string } & SlaTerms;

export async function listPlans(ctx: ServiceContext): Promise<SlaPlan[]> {
  return ctx.database.db.select().from(slaPlans).orderBy(asc(slaPlans.target), asc(slaPlans.name));
}

export async function getPlan(ctx: ServiceContext, id: string, path = 'id'): Promise<SlaPlan> {
  const row = await ctx.database.db.select().from(slaPlans).where(eq(slaPlans.id, id)).get();
  if (!row) throw new NotFound('SLA plan', id, path);
  return row;
}

/** Creates (no id) or replaces (id) a plan after validating its terms. */
export async function savePlan(ctx: ServiceContext, actor: Actor, input: PlanInput, id?: string): Promise<SlaPlan> {
  const errors = validateTerms(input);
  if (errors.length) throw new ValidationFailed(errors);
  const { database } = ctx;
  const planId = id ?? newId();
  await database.exclusive(async () => {
    if (id) await getPlan(ctx, id);
    const now = ctx.now();
    const values = {
      name: input.name,
      target: input.target,
      ladder: input.ladder,
      cap: input.cap,
      weights: input.weights,
      maintenanceNoticeHours: input.maintenanceNoticeHours,
      aggregate: input.aggregate,
      updatedAt: now,
    };
    await database.commit(
      [
        id
          ? database.db.update(slaPlans).set(values).where(eq(slaPlans.id, id))
          : database.db.insert(slaPlans).values({ id: planId, ...values, createdAt: now }),
        auditEntry(database, actor, now, id ? 'sla_plan.update' : 'sla_plan.create', { type: 'sla_plan', id: planId }, input),
      ],
      INTERNAL,
    );
  });
  return getPlan(ctx, planId);
}

/** Deletes a plan no customer is on (409 otherwise). */
export async function deletePlan(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { database } = ctx;
  await database.exclusive(async () => {
    await getPlan(ctx, id);
    const users = await database.db.select({ id: customers.id }).from(customers).where(eq(customers.planId, id));
    if (users.length)
      throw new Conflict(`SLA plan ${id} is used by ${users.length} customer(s)`, [{ path: 'id', message: `used by ${users.length} customer(s)` }]);
    await database.commit(
      [database.db.delete(slaPlans).where(eq(slaPlans.id, id)), auditEntry(database, actor, ctx.now(), 'sla_plan.delete', { type: 'sla_plan', id })],
      INTERNAL,
    );
  });
}
