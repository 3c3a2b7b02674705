import type { Actor, ServiceContext } from '../context.ts';
import type { Maintenance } from './get.ts';
import { postMaintenanceUpdate } from './post-update.ts';

const CANCELLED_BODY = 'This maintenance has been cancelled and will not take place as announced.';

/** Cancels a maintenance that has not begun; it leaves the public lists, and subscribers hear of it. */
export function cancelMaintenance(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: { body?: string; deliverNotifications?: boolean; author?: string | null },
): Promise<Maintenance> {
  return postMaintenanceUpdate(ctx, actor, id, { ...input, status: 'cancelled', body: input.body ?? CANCELLED_BODY });
}
