import type { Statement } from '../../../db/client.ts';
import { maintenanceUpdateComponents, maintenanceUpdates, maintenances } from '../../../db/schema/index.ts';
import { holdsComponents, type MaintenanceEmail, type MaintenanceStatus } from '../../domain/maintenance/lifecycle.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { planEntry } from '../timeline.ts';
import { writeVersioned } from '../versioned.ts';
import { maintenanceFanOut } from '../outbox/fan-out.ts';
import { eventKey } from '../../domain/outbox/events.ts';

export interface Step {
  status: MaintenanceStatus;
  body: string;
  /** When it takes effect (the scheduled time for the clock's steps). */
  at: Date;
  /** When it is recorded. */
  now: Date;
  author: string | null;
  /** The email this step sends, if subscribers are to hear of it. */
  email: MaintenanceEmail | null;
}

/** The key that makes an email go out once per recipient: once ever, except notes (once per update). */
export function maintenanceEventKey(maintenance: { id: string; scheduledFor: Date }, email: MaintenanceEmail, updateId: string): string {
  return eventKey({ kind: 'maintenance', maintenanceId: maintenance.id, email, updateId, scheduledFor: maintenance.scheduledFor });
}

/**
 * Plans one entry on a maintenance's timeline: the update, the maintenance's status and its
 * actual start/end, its components' displayed status and status intervals (under maintenance
 * from the start, released at the end unless an incident still holds them), and the
 * subscribers' email. `maintenance` is its state before the step.
 */
export async function planStep(
  ctx: ServiceContext,
  actor: Actor,
  maintenance: {
    id: string;
    version: number;
    status: MaintenanceStatus;
    scheduledFor: Date;
    startedAt: Date | null;
    completedAt: Date | null;
    componentIds: string[];
  },
  step: Step,
): Promise<Statement[]> {
  const { database } = ctx;
  const { db } = database;
  const begins = holdsComponents(step.status) && !maintenance.startedAt;
  return planEntry(ctx, {
    componentIds: maintenance.componentIds,
    at: step.at,
    pending: { maintenance: { id: maintenance.id, holds: holdsComponents(step.status) } },
    update: (id) =>
      db.insert(maintenanceUpdates).values({
        id,
        maintenanceId: maintenance.id,
        status: step.status,
        body: step.body,
        createdAt: step.now,
        displayAt: step.at,
        author: step.author ?? actor.name,
        apiKeyId: actor.apiKeyId,
        deliverNotifications: step.email !== null,
      }),
    updateComponents: maintenanceUpdateComponents,
    follow: async (updateId) => [
      ...writeVersioned(database, maintenances, maintenance, {
        status: step.status,
        startedAt: begins ? step.at : maintenance.startedAt,
        completedAt: step.status === 'completed' ? step.at : maintenance.completedAt,
        cancelledAt: step.status === 'cancelled' ? step.at : null,
        updatedAt: step.now,
      }),
      ...(step.email
        ? maintenanceFanOut(database, {
            key: maintenanceEventKey(maintenance, step.email, updateId),
            maintenanceId: maintenance.id,
            kind: step.email,
            updateId,
            at: step.now,
          })
        : []),
    ],
  });
}
