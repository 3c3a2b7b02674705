import { maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { ValidationFailed, type FieldError } from '../../domain/errors.ts';
import { checkOperatorDate } from '../../domain/dates.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { getMaintenance, type Maintenance } from './get.ts';
import { planStep } from './record-step.ts';

export interface ScheduleInput {
  title: string;
  body: string;
  scheduledFor: Date;
  scheduledUntil: Date;
  componentIds?: string[];
  autoStart?: boolean;
  autoComplete?: boolean;
  /** Announce it to subscribers now (default true). */
  deliverNotifications?: boolean;
  notifyOnStart?: boolean;
  notifyOnComplete?: boolean;
  /** Remind subscribers this many hours before it starts; null: no reminder. Default 24. */
  remindHoursBefore?: number | null;
  author?: string | null;
}

const DEFAULT_REMIND_HOURS = 24;

/** Checks a maintenance window: it ends after it starts, and (when asked) starts in the future. */
export function checkWindow(scheduledFor: Date, scheduledUntil: Date, now: Date, startMustBeAhead: boolean): void {
  const errors: FieldError[] = [];
  if (startMustBeAhead && scheduledFor <= now) errors.push({ path: 'scheduled_for', message: `must be in the future (now is ${now.toISOString()})` });
  if (scheduledUntil <= scheduledFor) errors.push({ path: 'scheduled_until', message: 'must be after scheduled_for' });
  errors.push(
    ...checkOperatorDate(scheduledFor, now, 'scheduled_for', { future: true }),
    ...checkOperatorDate(scheduledUntil, now, 'scheduled_until', { future: true }),
  );
  if (errors.length) throw new ValidationFailed(errors);
}

/** Schedules a maintenance with its first (scheduled) update, and announces it. */
export async function scheduleMaintenance(ctx: ServiceContext, actor: Actor, input: ScheduleInput): Promise<Maintenance> {
  const { database } = ctx;
  const id = newId();
  const componentIds = input.componentIds ?? [];
  await database.exclusive(async () => {
    const now = ctx.now();
    checkWindow(input.scheduledFor, input.scheduledUntil, now, true);
    await requireComponents(ctx, componentIds, (i) => `component_ids[${i}]`);
    const first = await planStep(
      ctx,
      actor,
      { id, version: 0, status: 'scheduled', scheduledFor: input.scheduledFor, startedAt: null, completedAt: null, componentIds },
      { status: 'scheduled', body: input.body, at: now, now, author: input.author ?? null, email: (input.deliverNotifications ?? true) ? 'scheduled' : null },
    );
    await database.commit([
      database.db.insert(maintenances).values({
        id,
        title: input.title,
        status: 'scheduled',
        scheduledFor: input.scheduledFor,
        scheduledUntil: input.scheduledUntil,
        autoStart: input.autoStart ?? true,
        autoComplete: input.autoComplete ?? true,
        notifyOnStart: input.notifyOnStart ?? true,
        notifyOnComplete: input.notifyOnComplete ?? true,
        remindHoursBefore: input.remindHoursBefore === undefined ? DEFAULT_REMIND_HOURS : input.remindHoursBefore,
        createdAt: now,
        updatedAt: now,
      }),
      ...(componentIds.length
        ? [database.db.insert(maintenanceComponents).values(componentIds.map((componentId) => ({ maintenanceId: id, componentId })))]
        : []),
      ...first,
      auditEntry(
        database,
        actor,
        now,
        'maintenance.schedule',
        { type: 'maintenance', id },
        { title: input.title, scheduled_for: input.scheduledFor.toISOString() },
      ),
    ]);
  });
  return getMaintenance(ctx, id);
}
