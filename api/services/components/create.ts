import { componentStatusIntervals, components } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireGroup } from '../references.ts';
import { getComponent, type Component } from './list.ts';

export interface ComponentInput {
  name: string;
  description?: string | null;
  groupId?: string | null;
  position?: number;
  showcase?: boolean;
  onlyShowIfDegraded?: boolean;
  status?: ComponentStatus;
  startDate?: string | null;
}

/** Creates a component; its status timeline starts now. */
export async function createComponent(ctx: ServiceContext, actor: Actor, input: ComponentInput): Promise<Component> {
  const { database } = ctx;
  const id = newId();
  await database.exclusive(async () => {
    if (input.groupId) await requireGroup(ctx, input.groupId, 'group_id');
    const now = ctx.now();
    const status = input.status ?? 'operational';
    await database.commit([
      database.db.insert(components).values({
        id,
        name: input.name,
        description: input.description ?? null,
        groupId: input.groupId ?? null,
        position: input.position ?? 0,
        showcase: input.showcase ?? true,
        onlyShowIfDegraded: input.onlyShowIfDegraded ?? false,
        status,
        operatorStatus: status,
        startDate: input.startDate ?? now.toISOString().slice(0, 10),
        createdAt: now,
        updatedAt: now,
      }),
      database.db.insert(componentStatusIntervals).values({ id: newId(), componentId: id, status, startedAt: now, endedAt: null, incidentId: null }),
      auditEntry(database, actor, now, 'component.create', { type: 'component', id }, input),
    ]);
  });
  return getComponent(ctx, id);
}
