import { eq } from 'drizzle-orm';
import type { WriteStatement } from '../../../db/client.ts';
import { incidentComponents, incidentUpdateComponents, incidentUpdates } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { isPublic, type IncidentStatus, type Severity, type UpdateKind } from '../../domain/incident/lifecycle.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { planComponentStatuses } from '../components/plan-statuses.ts';
import { incidentUpdateFanOut } from '../outbox/fan-out.ts';
import { customerFanOut } from '../customers/notify.ts';

export interface ComponentImpact {
  id: string;
  status: ComponentStatus;
}

export interface UpdateRecord {
  incidentId: string;
  kind: UpdateKind;
  status: IncidentStatus;
  severity: Severity;
  body: string;
  at: Date;
  /** When the component changes take effect on the timeline (the impact start when declaring). */
  effectiveAt: Date;
  author: string | null;
  deliverNotifications: boolean;
  /** Whether the incident is public (subscribers hear only of public incidents). */
  isPublic: boolean;
  /** The next-update deadline in force when this update is posted. */
  dueAt?: Date | null;
  /** How many times the incident was reopened: a new resolution after a reopen is a new email. */
  reopenCount?: number;
  /** Component statuses this update sets for the incident. */
  components: ComponentImpact[];
}

/** The timeline entry an operator's update (or reopen) makes on `incident` at `at`. */
export function operatorUpdate(
  incident: { id: string; severity: Severity; customerVisible: boolean; nextUpdateDueAt: Date | null; reopenCount: number },
  input: { status: IncidentStatus; body: string; author?: string | null; deliverNotifications?: boolean },
  kind: 'status' | 'reopen',
  at: Date,
  components: ComponentImpact[],
): UpdateRecord {
  return {
    incidentId: incident.id,
    kind,
    status: input.status,
    severity: incident.severity,
    body: input.body,
    at,
    effectiveAt: at,
    author: input.author ?? null,
    isPublic: isPublic(incident.severity, incident.customerVisible),
    deliverNotifications: input.deliverNotifications ?? true,
    dueAt: incident.nextUpdateDueAt,
    reopenCount: incident.reopenCount + (kind === 'reopen' ? 1 : 0),
    components,
  };
}

/**
 * Plans the rows of one timeline entry: the update, the incident's holdings, each affected
 * component's old → new displayed status, and the status intervals behind it. A resolving
 * update releases every component the incident held.
 */
export async function planUpdate(ctx: ServiceContext, actor: Actor, record: UpdateRecord): Promise<WriteStatement[]> {
  const { database } = ctx;
  const { db } = database;
  await requireComponents(ctx, record.components.map((c) => c.id), (i) => `components[${i}].id`);
  const resolving = record.status === 'resolved';
  if (resolving) {
    const errors = record.components
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.status !== 'operational')
      .map(({ c, i }) => ({ path: `components[${i}].status`, message: `a resolving update sets components to operational, not ${c.status}` }));
    if (errors.length) throw new ValidationFailed(errors);
  }
  const existing = await db
    .select({ componentId: incidentComponents.componentId, status: incidentComponents.status })
    .from(incidentComponents)
    .where(eq(incidentComponents.incidentId, record.incidentId));
  const holdings = new Map(existing.map((h) => [h.componentId, h.status]));
  if (!resolving) for (const c of record.components) holdings.set(c.id, c.status);
  const touched = resolving ? [...new Set([...holdings.keys(), ...record.components.map((c) => c.id)])] : record.components.map((c) => c.id);

  const plan = await planComponentStatuses(database, touched, record.effectiveAt, {
    incident: { id: record.incidentId, holdings: resolving ? null : holdings },
  });
  const updateId = newId();
  const statements: WriteStatement[] = [
    db.insert(incidentUpdates).values({
      id: updateId,
      incidentId: record.incidentId,
      kind: record.kind,
      status: record.status,
      severity: record.severity,
      body: record.body,
      createdAt: record.at,
      displayAt: record.at,
      author: record.author ?? actor.name,
      apiKeyId: actor.apiKeyId,
      deliverNotifications: record.deliverNotifications,
      dueAt: record.dueAt ?? null,
    }),
    ...plan.statements,
  ];
  const listed = new Set(record.components.map((c) => c.id));
  const affected = plan.changes.filter((c) => listed.has(c.componentId) || c.oldStatus !== c.newStatus);
  if (affected.length) {
    statements.push(db.insert(incidentUpdateComponents).values(affected.map((c) => ({ updateId, ...c }))));
  }
  if (!resolving) {
    for (const c of record.components) {
      statements.push(
        db
          .insert(incidentComponents)
          .values({ incidentId: record.incidentId, componentId: c.id, status: c.status })
          .onConflictDoUpdate({ target: [incidentComponents.incidentId, incidentComponents.componentId], set: { status: c.status } }),
      );
    }
  }
  // Subscribers hear of public updates that ask for it; after the holdings above, so the
  // fan-out sees every component the incident now affects.
  if (record.deliverNotifications && record.isPublic && record.kind !== 'severity_change') {
    statements.push(incidentUpdateFanOut(database, { updateId, incidentId: record.incidentId, at: record.at }));
  }
  // Customers with an SLA hear of SEV-1/SEV-2 incidents on their components: a notice when
  // affected, and at resolution their figures. Contractual, so not subject to deliver_notifications.
  if (record.isPublic && (record.severity === 'SEV-1' || record.severity === 'SEV-2') && record.kind !== 'severity_change') {
    statements.push(
      resolving
        ? customerFanOut(database, { incidentId: record.incidentId, eventKey: `customer_resolution:${record.incidentId}:${record.reopenCount ?? 0}`, template: 'customer-resolution', at: record.at })
        : customerFanOut(database, { incidentId: record.incidentId, eventKey: `customer_notice:${record.incidentId}`, template: 'customer-notice', at: record.at }),
    );
  }
  return statements;
}
