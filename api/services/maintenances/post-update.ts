import { checkMaintenanceTransition, emailFor, type MaintenanceStatus } from '../../domain/maintenance/lifecycle.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getMaintenance, type Maintenance } from './get.ts';
import { planStep } from './record-step.ts';

export interface MaintenanceUpdateInput {
  status: MaintenanceStatus;
  body: string;
  /** Email subscribers (default true): "started", "completed" or "cancelled" once each; a note each time. */
  deliverNotifications?: boolean;
  author?: string | null;
}

/**
 * Posts an operator's update to a maintenance: starting it early, verifying, completing it
 * (early or late), cancelling it before it began, or a note at the same status.
 */
export async function postMaintenanceUpdate(ctx: ServiceContext, actor: Actor, id: string, input: MaintenanceUpdateInput): Promise<Maintenance> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const maintenance = await getMaintenance(ctx, id);
    checkMaintenanceTransition(maintenance.status, input.status);
    const now = ctx.now();
    const email = (input.deliverNotifications ?? true) ? (emailFor(maintenance.status, input.status) ?? 'update') : null;
    const statements = await planStep(
      ctx,
      actor,
      { ...maintenance, componentIds: maintenance.components.map((c) => c.id) },
      { status: input.status, body: input.body, at: now, now, author: input.author ?? null, email },
    );
    await database.commit([...statements, auditEntry(database, actor, now, 'maintenance.update', { type: 'maintenance', id }, { status: input.status })]);
  });
  return getMaintenance(ctx, id);
}
