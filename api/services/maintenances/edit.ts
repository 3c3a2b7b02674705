import { eq } from 'drizzle-orm';
import { writeVersioned } from '../versioned.ts';
import type { Statement } from '../../../db/client.ts';
import { maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { Conflict, ValidationFailed } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { getMaintenance, type Maintenance } from './get.ts';
import { checkWindow } from './schedule.ts';

export interface MaintenancePatch {
  title?: string;
  scheduledFor?: Date;
  scheduledUntil?: Date;
  componentIds?: string[];
  autoStart?: boolean;
  autoComplete?: boolean;
  notifyOnStart?: boolean;
  notifyOnComplete?: boolean;
  remindHoursBefore?: number | null;
}

/**
 * Edits a maintenance that is not over. The start and the components can change only before
 * the work begins (after, they are on the record); the end can move while it runs, to a time
 * still ahead. Rescheduling earns a new reminder; it sends no email by itself (post a note).
 */
export async function editMaintenance(ctx: ServiceContext, actor: Actor, id: string, patch: MaintenancePatch): Promise<Maintenance> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const m = await getMaintenance(ctx, id);
    const now = ctx.now();
    if (m.status === 'completed' || m.status === 'cancelled') throw new Conflict(`The maintenance is ${m.status} and can no longer be edited`);
    if (m.status !== 'scheduled') {
      const errors = [
        patch.scheduledFor !== undefined && patch.scheduledFor.getTime() !== m.scheduledFor.getTime()
          ? { path: 'scheduled_for', message: 'the work has begun; its start is on the record' }
          : null,
        patch.componentIds !== undefined ? { path: 'component_ids', message: 'the work has begun; its components can no longer change' } : null,
      ].filter((e) => e !== null);
      if (errors.length) throw new Conflict('The maintenance is in progress', errors);
    }
    const scheduledFor = patch.scheduledFor ?? m.scheduledFor;
    const scheduledUntil = patch.scheduledUntil ?? m.scheduledUntil;
    const rescheduled = scheduledFor.getTime() !== m.scheduledFor.getTime();
    checkWindow(scheduledFor, scheduledUntil, now, rescheduled);
    if (patch.scheduledUntil && patch.scheduledUntil.getTime() !== m.scheduledUntil.getTime() && patch.scheduledUntil <= now) {
      throw new ValidationFailed([
        { path: 'scheduled_until', message: `must be in the future (now is ${now.toISOString()}); to end it now, post a completed update` },
      ]);
    }
    if (patch.componentIds) await requireComponents(ctx, patch.componentIds, (i) => `component_ids[${i}]`);

    const { componentIds, ...fields } = patch;
    const statements: Statement[] = [
      ...writeVersioned(database, maintenances, m, { ...fields, scheduledFor, scheduledUntil, remindedAt: rescheduled ? null : m.remindedAt, updatedAt: now }),
    ];
    if (componentIds) {
      statements.push(database.db.delete(maintenanceComponents).where(eq(maintenanceComponents.maintenanceId, id)));
      if (componentIds.length)
        statements.push(database.db.insert(maintenanceComponents).values(componentIds.map((componentId) => ({ maintenanceId: id, componentId }))));
    }
    await database.commit([...statements, auditEntry(database, actor, now, 'maintenance.edit', { type: 'maintenance', id }, Object.keys(patch))]);
  });
  return getMaintenance(ctx, id);
}
