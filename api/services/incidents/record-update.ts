import { eq } from 'drizzle-orm';
import type { Statement } from '../../../db/client.ts';
import { incidentComponents, incidentUpdateComponents, incidentUpdates, outbox } from '../../../db/schema/index.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { checkInternalComponents, isPublicKind, type IncidentStatus, type Severity, type UpdateKind } from '../../domain/incident/lifecycle.ts';
import { owesCustomerEmails } from '../../domain/incident/cadence.ts';
import { loadCadencePolicy } from '../policy.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { planEntry } from '../timeline.ts';
import { readStatusInputs } from '../components/plan-statuses.ts';
import { incidentUpdateFanOut } from '../outbox/fan-out.ts';
import { customerFanOut } from '../customers/notify.ts';
import { eventKey } from '../../domain/outbox/events.ts';

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
  /** Whether the incident is public once this entry lands (subscribers hear only of public incidents). */
  published: boolean;
  /** The next-update deadline in force when this update is posted. */
  dueAt?: Date | null;
  /** How many times the incident was reopened: a new resolution after a reopen is a new email. */
  reopenCount?: number;
  /** Component statuses this update sets for the incident. */
  components: ComponentImpact[];
}

/** The timeline entry an operator's update (or reopen) makes on `incident` at `at`. */
export function operatorUpdate(
  incident: { id: string; severity: Severity; publishedAt: Date | null; nextUpdateDueAt: Date | null; reopenCount: number },
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
    published: incident.publishedAt !== null,
    deliverNotifications: input.deliverNotifications ?? true,
    dueAt: incident.nextUpdateDueAt,
    reopenCount: incident.reopenCount + (kind === 'reopen' ? 1 : 0),
    components,
  };
}

/**
 * What planning an update on `incidentId` naming `components` reads, started at once: a use
 * case may start it before reading the incident, so every read travels together (one request
 * to a remote database). The components' statuses are known ahead unless the update resolves
 * (then it touches whatever the incident holds, known only from its holdings).
 */
export function readForUpdate(ctx: ServiceContext, incidentId: string, components: ComponentImpact[], resolving: boolean) {
  const ids = components.map((c) => c.id);
  const reads = {
    known: requireComponents(ctx, ids, (i) => `components[${i}].id`),
    holdings: ctx.database.db
      .select({ componentId: incidentComponents.componentId, status: incidentComponents.status })
      .from(incidentComponents)
      .where(eq(incidentComponents.incidentId, incidentId))
      .all(),
    statuses: resolving || !ids.length ? null : readStatusInputs(ctx.database, ids, { incidentId }),
  };
  // Awaited later (or never, when the use case refuses first): no rejection goes unhandled.
  for (const p of [reads.known, reads.holdings, reads.statuses]) p?.catch(() => undefined);
  return reads;
}

type UpdateReads = ReturnType<typeof readForUpdate>;

/**
 * Plans the rows of one timeline entry: the update, the incident's holdings, each affected
 * component's old → new displayed status, and the status intervals behind it. A resolving
 * update releases every component the incident held.
 */
export async function planUpdate(ctx: ServiceContext, actor: Actor, record: UpdateRecord, early?: UpdateReads): Promise<Statement[]> {
  const { database } = ctx;
  const { db } = database;
  const reads = early ?? readForUpdate(ctx, record.incidentId, record.components, record.status === 'resolved');
  const [, existing] = await Promise.all([reads.known, reads.holdings]);
  const resolving = record.status === 'resolved';
  const internal = checkInternalComponents(record.published, record.components);
  if (internal.length) throw new ValidationFailed(internal, 'An internal incident cannot change the public status of components');
  if (resolving) {
    const errors = record.components
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.status !== 'operational')
      .map(({ c, i }) => ({ path: `components[${i}].status`, message: `a resolving update sets components to operational, not ${c.status}` }));
    if (errors.length) throw new ValidationFailed(errors);
  }
  const holdings = new Map(existing.map((h) => [h.componentId, h.status]));
  if (!resolving) for (const c of record.components) holdings.set(c.id, c.status);
  const touched = resolving ? [...new Set([...holdings.keys(), ...record.components.map((c) => c.id)])] : record.components.map((c) => c.id);

  const listed = new Set(record.components.map((c) => c.id));
  return planEntry(ctx, {
    componentIds: touched,
    reads: reads.statuses ?? undefined,
    at: record.effectiveAt,
    pending: { incident: { id: record.incidentId, holdings: resolving ? null : holdings } },
    update: (id) =>
      db.insert(incidentUpdates).values({
        id,
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
        // Severity changes and notes are internal entries; everything else is public when the incident is.
        public: record.published && isPublicKind(record.kind),
        dueAt: record.dueAt ?? null,
      }),
    updateComponents: incidentUpdateComponents,
    affected: (changes) => changes.filter((c) => listed.has(c.componentId) || c.oldStatus !== c.newStatus),
    follow: async (updateId) => [
      ...(resolving
        ? []
        : record.components.map((c) =>
            db
              .insert(incidentComponents)
              .values({ incidentId: record.incidentId, componentId: c.id, status: c.status })
              .onConflictDoUpdate({ target: [incidentComponents.incidentId, incidentComponents.componentId], set: { status: c.status } }),
          )),
      // Subscribers hear of public updates that ask for it; after the holdings above, so the
      // fan-out sees every component the incident now affects.
      ...(record.deliverNotifications && record.published && isPublicKind(record.kind)
        ? incidentUpdateFanOut(database, { updateId, incidentId: record.incidentId, at: record.at })
        : []),
      ...(await customerNotices(ctx, record)),
    ],
  });
}

/**
 * Customers with an SLA hear of public incidents whose severity owes customer emails (the
 * policy's `customer_email_minutes`): a notice once affected — also the moment a severity
 * change or publication makes it owed — and their figures at resolution (also when it was
 * downgraded after they were told). Contractual, so not subject to `deliver_notifications`.
 * Unique event keys make each one go out once.
 */
export async function customerNotices(
  ctx: ServiceContext,
  entry: { incidentId: string; kind: UpdateKind; status: IncidentStatus; severity: Severity; published: boolean; reopenCount?: number; at: Date },
): Promise<Statement[]> {
  const email = await customerEmailOwed(ctx, entry);
  return email ? [customerFanOut(ctx.database, { incidentId: entry.incidentId, ...email, at: entry.at })] : [];
}

/** Which customer email (if any) an entry on the incident's timeline owes: the rule `customerNotices` applies. */
export async function customerEmailOwed(
  ctx: ServiceContext,
  entry: { incidentId: string; kind: UpdateKind; status: IncidentStatus; severity: Severity; published: boolean; reopenCount?: number },
): Promise<{ eventKey: string; template: 'customer-notice' | 'customer-resolution' } | null> {
  const { database } = ctx;
  if (entry.kind === 'note') return null; // a responders' note tells nobody anything
  const notice = eventKey({ kind: 'customer_notice', incidentId: entry.incidentId });
  const owed = owesCustomerEmails(entry.severity, entry.published, await loadCadencePolicy(ctx));
  // Customers told of an incident hear of its resolution, even if it was downgraded since.
  const noticed = async () => (await database.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.eventKey, notice)).limit(1)).length > 0;
  if (!owed && (entry.status !== 'resolved' || !(await noticed()))) return null;
  if (entry.status !== 'resolved') return { eventKey: notice, template: 'customer-notice' };
  if (entry.kind === 'severity_change') return null; // a change after resolution is no new resolution
  return {
    eventKey: eventKey({ kind: 'customer_resolution', incidentId: entry.incidentId, reopenCount: entry.reopenCount ?? 0 }),
    template: 'customer-resolution',
  };
}
