import { incidents } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { checkImpactOverride, draftSince, publication, type Impact, type IncidentStatus, type Severity } from '../../domain/incident/lifecycle.ts';
import type { Statement } from '../../../db/client.ts';
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
  /** Opened by an alert: internal, whatever the severity, until a person publishes it. */
  draft?: boolean;
}

/** Declares an incident with its first update; affected components change from the impact start. */
export async function declareIncident(outer: ServiceContext, actor: Actor, input: DeclareInput): Promise<Incident> {
  const { database } = outer;
  const id = newId();
  await database.exclusive(async () => database.commit(await planDeclaration(withPolicy(outer), actor, id, input)));
  return getIncident(outer, id);
}

/** What declaring an incident writes, for a use case that declares one inside its own transaction. */
export async function planDeclaration(ctx: ServiceContext, actor: Actor, id: string, input: DeclareInput): Promise<Statement[]> {
  const { database } = ctx;
  const impacts = input.components ?? [];
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
  const draft = input.draft ?? false;
  const publishedAt = publication(null, input.severity, customerVisible, now, draft);
  const nextUpdateDueAt = await planDeadline(
    ctx,
    {
      severity: input.severity,
      status,
      publishedAt,
      lastPublicUpdateAt: publishedAt,
      draftSince: draftSince({ draft, declaredAt: now, severity: input.severity, customerVisible }),
      promised: input.nextUpdateAt,
    },
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
  return [
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
      draft,
      identifiedAt: status === 'identified' ? now : null,
      monitoringAt: status === 'monitoring' ? now : null,
      commander: input.commander ?? null,
      escalationContact: input.escalationContact ?? null,
      createdAt: now,
      updatedAt: now,
    }),
    ...update,
    auditEntry(database, actor, now, 'incident.declare', { type: 'incident', id }, { title: input.title, severity: input.severity, ...(draft && { draft }) }),
  ];
}
