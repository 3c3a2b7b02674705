import { eq } from 'drizzle-orm';
import { componentGroups, components } from '../../../db/schema/index.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getComponentGroup } from './list.ts';

/** Deletes a component group; its components stay, ungrouped. */
export async function deleteComponentGroup(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { database } = ctx;
  const now = ctx.now();
  await database.exclusive(async () => {
    await getComponentGroup(ctx, id);
    await database.commit([
      database.db.update(components).set({ groupId: null, updatedAt: now }).where(eq(components.groupId, id)),
      database.db.delete(componentGroups).where(eq(componentGroups.id, id)),
      auditEntry(database, actor, now, 'component_group.delete', { type: 'component_group', id }),
    ]);
  });
}
