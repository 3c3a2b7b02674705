import { eq } from 'drizzle-orm';
import { components } from '../../../db/schema/index.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireGroup } from '../references.ts';
import type { ComponentInput } from './create.ts';
import { getComponent, type Component } from './list.ts';
import { planComponentStatuses } from './plan-statuses.ts';

/**
 * Changes a component. A `status` here is the operator's own setting: it shows while no open
 * incident holds the component, and its timeline records the change.
 */
export async function updateComponent(ctx: ServiceContext, actor: Actor, id: string, input: Partial<ComponentInput>): Promise<Component> {
  const { database } = ctx;
  await database.exclusive(async () => {
    await getComponent(ctx, id);
    if (input.groupId) await requireGroup(ctx, input.groupId, 'group_id');
    const now = ctx.now();
    const { status, ...fields } = input;
    const plan = status ? await planComponentStatuses(database, [id], now, { operatorStatuses: new Map([[id, status]]) }) : { statements: [] };
    await database.commit([
      database.db
        .update(components)
        .set({ ...fields, updatedAt: now })
        .where(eq(components.id, id)),
      ...plan.statements,
      auditEntry(database, actor, now, 'component.update', { type: 'component', id }, input),
    ]);
  });
  return getComponent(ctx, id);
}
