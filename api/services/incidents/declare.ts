import { incidents } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { checkImpactOverride, publication, type Impact, type IncidentStatus, type Severity } from '../../domain/incident/lifecycle.ts';
import { checkOperatorDate } from '../../domain/dates.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { withPolicy } from '../policy.ts';
import { planDeadline } from './deadline.ts';
import { getIncident, type Incident } from './get.ts';
import { planUpdate, type ComponentImpact } from './record-update.ts';

export interface DeclareInput {
  title: string;
  severity: Severity;
  status?: Exclude<IncidentStatus, 'resolved'>;
  body: string;
  components?: ComponentImpact[];
  /** When the impact began; defaults to now, may be earlier, never later. */
  startedAt?: Date;
  impactOverride?: Impact | null;
  customerVisible?: boolean;
  commander?: string | null;
  escalationContact?: string | null;
  deliverNotifications?: boolean;
  author?: string | null;
  /** Promise the next update earlier than the policy requires. */
  nextUpdateAt?: Date | null;
}

/** Declares an incident with its first update; affected components change from the impact start. */
export async function declareIncident(outer: ServiceContext, actor: Actor, input: DeclareInput): Promise<Incident> {
  const { database } = outer;
  const id = newId();
  const impacts = input.components ?? [];
  await database.exclusive(async () => {
    const ctx = withPolicy(outer);
    const now = ctx.now();
    const startedAt = input.startedAt ?? now;
    const errors = [
      ...checkOperatorDate(startedAt, now, 'started_at', { future: false }),
      ...checkImpactOverride(
        input.impactOverride,
        impacts.map((c) => c.status),
      ),
    ];
    if (errors.length) throw new ValidationFailed(errors);
    const status = input.status ?? 'investigating';
    const customerVisible = input.customerVisible ?? false;
    const publishedAt = publication(null, input.severity, customerVisible, now);
    const nextUpdateDueAt = await planDeadline(
      ctx,
      { severity: input.severity, status, publishedAt, lastPublicUpdateAt: publishedAt, promised: input.nextUpdateAt },
      now,
    );
    const update = await planUpdate(ctx, actor, {
      incidentId: id,
      kind: 'status',
      status,
      severity: input.severity,
      body: input.body,
      at: now,
      effectiveAt: startedAt,
      author: input.author ?? null,
      published: publishedAt !== null,
      deliverNotifications: input.deliverNotifications ?? true,
      components: impacts,
    });
    await database.commit([
      database.db.insert(incidents).values({
        id,
        title: input.title,
        severity: input.severity,
        status,
        impactOverride: input.impactOverride ?? null,
        customerVisible,
        publishedAt,
        nextUpdateDueAt,
        startedAt,
        declaredAt: now,
        demo: ctx.demo ?? false,
        identifiedAt: status === 'identified' ? now : null,
        monitoringAt: status === 'monitoring' ? now : null,
        commander: input.commander ?? null,
        escalationContact: input.escalationContact ?? null,
        createdAt: now,
        updatedAt: now,
      }),
      ...update,
      auditEntry(database, actor, now, 'incident.declare', { type: 'incident', id }, { title: input.title, severity: input.severity }),
    ]);
  });
  return getIncident(outer, id);
}
