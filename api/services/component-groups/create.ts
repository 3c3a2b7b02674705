import { componentGroups } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getComponentGroup, type ComponentGroup } from './list.ts';

export interface GroupInput {
  name: string;
  description?: string | null;
  position?: number;
}

/** Creates a component group. */
export async function createComponentGroup(ctx: ServiceContext, actor: Actor, input: GroupInput): Promise<ComponentGroup> {
  const { database } = ctx;
  const id = newId();
  const now = ctx.now();
  await database.exclusive(() =>
    database.commit([
      database.db.insert(componentGroups).values({
        id,
        name: input.name,
        description: input.description ?? null,
        position: input.position ?? 0,
        createdAt: now,
        updatedAt: now,
      }),
      auditEntry(database, actor, now, 'component_group.create', { type: 'component_group', id }, input),
    ]),
  );
  return getComponentGroup(ctx, id);
}
