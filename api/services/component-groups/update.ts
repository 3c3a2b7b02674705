import { eq } from 'drizzle-orm';
import { componentGroups } from '../../../db/schema/index.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import type { GroupInput } from './create.ts';
import { getComponentGroup, type ComponentGroup } from './list.ts';

/** Changes a component group's name, description or position. */
export async function updateComponentGroup(ctx: ServiceContext, actor: Actor, id: string, input: Partial<GroupInput>): Promise<ComponentGroup> {
  const { database } = ctx;
  const now = ctx.now();
  await database.exclusive(async () => {
    await getComponentGroup(ctx, id);
    await database.commit([
      database.db
        .update(componentGroups)
        .set({ ...input, updatedAt: now })
        .where(eq(componentGroups.id, id)),
      auditEntry(database, actor, now, 'component_group.update', { type: 'component_group', id }, input),
    ]);
  });
  return getComponentGroup(ctx, id);
}
