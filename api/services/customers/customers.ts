import { asc, eq, inArray, sql } from 'drizzle-orm';
import { INTERNAL, type Statement } from '../../../db/client.ts';
import { customerComponents, customers, slaPlans } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { NotFound, ValidationFailed, type FieldError } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';

export interface CustomerInput {
  name: string;
  contacts: string[];
  planId: string;
  /** Absent or empty: every component. */
  componentIds?: string[];
  billingAnchorDay?: number | null;
}

export type Customer = typeof customers.$inferSelect & { componentIds: string[] | null };

async function withScope(ctx: ServiceContext, rows: (typeof customers.$inferSelect)[]): Promise<Customer[]> {
  // In the order they were given (rowid), not the primary key's.
  const scope = rows.length
    ? await ctx.database.db
        .select()
        .from(customerComponents)
        .where(
          inArray(
            customerComponents.customerId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(sql`rowid`)
    : [];
  return rows.map((r) => ({ ...r, componentIds: r.allComponents ? null : scope.filter((s) => s.customerId === r.id).map((s) => s.componentId) }));
}

export async function listCustomers(ctx: ServiceContext): Promise<Customer[]> {
  return withScope(ctx, await ctx.database.db.select().from(customers).orderBy(asc(customers.name)));
}

export async function getCustomer(ctx: ServiceContext, id: string): Promise<Customer> {
  const row = await ctx.database.db.select().from(customers).where(eq(customers.id, id)).get();
  if (!row) throw new NotFound('customer', id);
  return (await withScope(ctx, [row]))[0]!;
}

async function planStatements(ctx: ServiceContext, input: CustomerInput, id: string, exists: boolean, prefix = ''): Promise<Statement[]> {
  const { db } = ctx.database;
  const plan = await db.select({ id: slaPlans.id }).from(slaPlans).where(eq(slaPlans.id, input.planId)).get();
  const errors: FieldError[] = [];
  if (!plan) errors.push({ path: `${prefix}plan_id`, message: `no SLA plan with id ${input.planId}` });
  const ids = [...new Set(input.componentIds ?? [])];
  try {
    await requireComponents(ctx, ids, (i) => `${prefix}component_ids[${i}]`);
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err;
    errors.push(...err.errors);
  }
  if (errors.length) throw new ValidationFailed(errors);
  const now = ctx.now();
  const values = {
    name: input.name,
    contacts: [...new Set(input.contacts.map((c) => c.trim().toLowerCase()))],
    planId: input.planId,
    allComponents: ids.length === 0,
    billingAnchorDay: input.billingAnchorDay ?? null,
    updatedAt: now,
  };
  return [
    exists ? db.update(customers).set(values).where(eq(customers.id, id)) : db.insert(customers).values({ id, ...values, createdAt: now }),
    db.delete(customerComponents).where(eq(customerComponents.customerId, id)),
    ...(ids.length ? [db.insert(customerComponents).values(ids.map((componentId) => ({ customerId: id, componentId })))] : []),
  ];
}

/** Creates (no id) or replaces (id) a customer. */
export async function saveCustomer(ctx: ServiceContext, actor: Actor, input: CustomerInput, id?: string): Promise<Customer> {
  const { database } = ctx;
  const customerId = id ?? newId();
  await database.exclusive(async () => {
    if (id) await getCustomer(ctx, id);
    const statements = await planStatements(ctx, input, customerId, Boolean(id));
    await database.commit(
      [...statements, auditEntry(database, actor, ctx.now(), id ? 'customer.update' : 'customer.create', { type: 'customer', id: customerId }, input)],
      INTERNAL,
    );
  });
  return getCustomer(ctx, customerId);
}

/** Imports customers in one transaction: all or nothing, bad rows named by index. */
export async function importCustomers(ctx: ServiceContext, actor: Actor, rows: CustomerInput[]): Promise<{ imported: number }> {
  const { database } = ctx;
  return database.exclusive(async () => {
    const statements: Statement[] = [];
    const errors: FieldError[] = [];
    for (const [i, row] of rows.entries()) {
      try {
        statements.push(...(await planStatements(ctx, row, newId(), false, `[${i}].`)));
      } catch (err) {
        if (!(err instanceof ValidationFailed)) throw err;
        errors.push(...err.errors);
      }
    }
    if (errors.length) throw new ValidationFailed(errors);
    await database.commit(
      [...statements, auditEntry(database, actor, ctx.now(), 'customer.import', { type: 'customer', id: '*' }, { count: rows.length })],
      INTERNAL,
    );
    return { imported: rows.length };
  });
}

export async function deleteCustomer(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { database } = ctx;
  await database.exclusive(async () => {
    await getCustomer(ctx, id);
    await database.commit(
      [
        database.db.delete(customerComponents).where(eq(customerComponents.customerId, id)),
        database.db.delete(customers).where(eq(customers.id, id)),
        auditEntry(database, actor, ctx.now(), 'customer.delete', { type: 'customer', id }),
      ],
      INTERNAL,
    );
  });
}
