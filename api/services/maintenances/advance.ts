import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Statement } from '../../../db/client.ts';
import { maintenances } from '../../../db/schema/index.ts';
import { clockSteps, completionBody, nextClockStepAt, type ClockStep } from '../../domain/maintenance/lifecycle.ts';
import { SYSTEM_ACTOR, type ServiceContext } from '../context.ts';
import { maintenanceFanOut } from '../outbox/fan-out.ts';
import { getMaintenance, type Maintenance } from './get.ts';
import { writeVersioned } from '../versioned.ts';
import { maintenanceEventKey, planStep } from './record-step.ts';

const STARTED_BODY = 'The scheduled maintenance has begun. We will post updates here as the work goes on.';

/** What the clock needs of one maintenance, read from the database. */
async function clockView(ctx: ServiceContext, id: string) {
  const m = await getMaintenance(ctx, id);
  const lastStepAt = new Date(Math.max(m.createdAt.getTime(), ...m.updates.map((u) => u.displayAt.getTime())));
  return { maintenance: m, view: { ...m, announcedAt: m.createdAt, lastStepAt } };
}

/**
 * Moves every maintenance along by the clock at `now`: reminds, starts and completes what is
 * due. Each maintenance is re-read and advanced in one transaction, so a step is never taken
 * twice; the caller makes sure only one instance runs it at a time. Returns the steps taken.
 */
export async function advanceMaintenances(ctx: ServiceContext): Promise<{ id: string; step: ClockStep['kind'] }[]> {
  const { database } = ctx;
  // Only those the clock may have something to do for: a reminder or start due, or an end.
  const at = ctx.now();
  const open = await database.db
    .select({ id: maintenances.id })
    .from(maintenances)
    .where(
      or(
        and(
          eq(maintenances.status, 'scheduled'),
          or(
            lte(maintenances.scheduledFor, at),
            and(
              isNull(maintenances.remindedAt),
              sql`${maintenances.scheduledFor} - coalesce(${maintenances.remindHoursBefore}, 0) * 3600000 <= ${at.getTime()}`,
            ),
          ),
        ),
        and(inArray(maintenances.status, ['in_progress', 'verifying']), lte(maintenances.scheduledUntil, at)),
      ),
    );
  const taken: { id: string; step: ClockStep['kind'] }[] = [];
  for (const { id } of open) {
    await database.exclusive(async () => {
      // One step per transaction, each planned from what the last one wrote: a start and a
      // completion caught up in one pass still cut the timeline twice. (At most three: remind,
      // start, complete.)
      for (let n = 0; n < 3; n++) {
        const now = ctx.now();
        const { maintenance, view } = await clockView(ctx, id);
        const step = clockSteps(view, now)[0];
        if (!step) return;
        taken.push({ id, step: step.kind });
        await database.commit(await planClockStep(ctx, maintenance, step, now));
      }
    });
  }
  return taken;
}

/** When the clock next has something to do (null: nothing will happen by itself). */
export async function nextMaintenanceStepAt(ctx: ServiceContext): Promise<Date | null> {
  const now = ctx.now();
  const pending = await ctx.database.db
    .select()
    .from(maintenances)
    .where(inArray(maintenances.status, ['scheduled', 'in_progress', 'verifying']));
  const times = pending.flatMap((m) => nextClockStepAt({ ...m, announcedAt: m.createdAt }, now)?.getTime() ?? []);
  return times.length ? new Date(Math.min(...times)) : null;
}

async function planClockStep(ctx: ServiceContext, maintenance: Maintenance, step: ClockStep, now: Date): Promise<Statement[]> {
  const { database } = ctx;
  if (step.kind === 'remind') {
    return [
      ...writeVersioned(database, maintenances, maintenance, { remindedAt: now }),
      ...maintenanceFanOut(database, {
        key: maintenanceEventKey(maintenance, 'reminder', ''),
        maintenanceId: maintenance.id,
        kind: 'reminder',
        updateId: null,
        at: now,
      }),
    ];
  }
  const starting = step.kind === 'start';
  return planStep(
    ctx,
    SYSTEM_ACTOR,
    { ...maintenance, componentIds: maintenance.components.map((c) => c.id) },
    {
      status: starting ? 'in_progress' : 'completed',
      body: starting ? STARTED_BODY : completionBody(maintenance.components),
      at: step.at,
      now,
      author: null,
      email: step.notify ? (starting ? 'started' : 'completed') : null,
    },
  );
}
