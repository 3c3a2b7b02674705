import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Statement } from '../../../db/client.ts';
import { alertHolds, components, incidents, integrationAlerts, integrations } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { alertStatus, decideHold, readAlert, type Alert } from '../../domain/integrations/alerts.ts';
import type { Severity } from '../../domain/incident/lifecycle.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { planComponentStatuses, readStatusInputs } from '../components/plan-statuses.ts';
import { planDeclaration } from '../incidents/declare.ts';
import { withPolicy } from '../policy.ts';
import { writeVersioned } from '../versioned.ts';
import type { Integration } from './integrations.ts';

export interface AlertsResult {
  /** Alerts that moved (or will move, once a hold ends) a component. */
  accepted: number;
  components: { id: string; name: string; status: ComponentStatus; pendingStatus: ComponentStatus | null; pendingUntil: Date | null }[];
  ignored: { fingerprint: string; reason: string }[];
  draftIncidentIds: string[];
}

const source = (integration: Pick<Integration, 'id'>) => `integration:${integration.id}`;

/** An integration's draft incident's severity: an outage is a SEV-2, anything less a SEV-3 (a person adjusts it when publishing). */
const draftSeverity = (status: ComponentStatus): Severity => (status === 'major_outage' ? 'SEV-2' : 'SEV-3');

/**
 * Takes in one notification from an alert source: firing alerts are recorded against their
 * component, resolved ones dropped (other alerts of the integration are left as they are); each touched component then shows the worst alert still
 * firing on it (operational when none), unless that would move it again before its hold ends
 * (then it waits for the alert clock). An open incident's holding still outranks alerts. With
 * `draftIncidents`, a firing alert with no draft yet opens one (internal) in the same
 * transaction. Unknown components and unmapped severities are reported, not fatal.
 */
export async function receiveAlerts(outer: ServiceContext, integration: Integration, alerts: Alert[]): Promise<AlertsResult> {
  const { database } = outer;
  return database.exclusive(async () => {
    const ctx = withPolicy(outer);
    const { db } = database;
    const now = ctx.now();
    // The components are read first, with their versions: every decision below rests on alerts
    // read after them, so a notification another instance commits meanwhile (it claims the
    // components it touches) makes this one's claims fail and the whole run again.
    const live = await db
      .select({ id: components.id, name: components.name, status: components.status, operatorStatus: components.operatorStatus, version: components.version })
      .from(components)
      .where(isNull(components.deletedAt));
    const byName = new Map(live.map((c) => [c.name.toLowerCase(), c]));
    const byId = new Map(live.map((c) => [c.id, c]));
    const known = await db.select().from(integrationAlerts).where(eq(integrationAlerts.integrationId, integration.id));
    const rows = new Map(known.map((a) => [a.fingerprint, a]));
    const touched = new Set<string>();
    const ignored: AlertsResult['ignored'] = [];
    const named = new Set<string>();
    const resolvedNow: string[] = [];
    const handedOver = new Set<string>();
    let accepted = 0;

    for (const alert of alerts) {
      const reading = readAlert(alert, integration);
      if (reading.kind === 'ignored') {
        ignored.push({ fingerprint: alert.fingerprint, reason: reading.reason });
        continue;
      }
      const component = byId.get(reading.componentRef) ?? byName.get(reading.componentRef.toLowerCase());
      if (!component) {
        ignored.push({ fingerprint: alert.fingerprint, reason: `no component with id or name "${reading.componentRef}"` });
        continue;
      }
      accepted++;
      named.add(alert.fingerprint);
      const before = rows.get(alert.fingerprint);
      if (before) touched.add(before.componentId);
      touched.add(component.id);
      if (alert.status === 'resolved') {
        if (rows.delete(alert.fingerprint)) {
          resolvedNow.push(alert.fingerprint);
          // Its draft passes to an alert still firing on the same component: one draft per
          // component while any of its alerts fires, not a new one each time one resolves.
          const heir = before?.incidentId ? [...rows.values()].find((r) => r.componentId === before.componentId && !r.incidentId) : undefined;
          if (heir) {
            heir.incidentId = before!.incidentId;
            handedOver.add(heir.fingerprint);
          }
        }
      } else
        rows.set(alert.fingerprint, {
          integrationId: integration.id,
          fingerprint: alert.fingerprint,
          componentId: component.id,
          status: reading.status,
          summary: reading.summary,
          startsAt: alert.startsAt,
          incidentId: before?.componentId === component.id ? before.incidentId : null,
        });
    }

    const statements: Statement[] = [];
    const ids = [...touched];
    // Alerts of every integration count: the worst one firing on a component shows.
    const others = ids.length
      ? await db
          .select({ componentId: integrationAlerts.componentId, status: integrationAlerts.status })
          .from(integrationAlerts)
          .where(and(inArray(integrationAlerts.componentId, ids), ne(integrationAlerts.integrationId, integration.id)))
      : [];
    const firing = [...rows.values(), ...others];
    const current = live.filter((c) => touched.has(c.id));
    const holds = ids.length ? await db.select().from(alertHolds).where(inArray(alertHolds.componentId, ids)) : [];
    const operatorStatuses = new Map<string, ComponentStatus>();
    const pending = new Map<string, { status: ComponentStatus; until: Date }>();
    for (const c of current) {
      const hold = holds.find((h) => h.componentId === c.id);
      const wanted = alertStatus(firing.filter((a) => a.componentId === c.id).map((a) => a.status));
      const decision = decideHold({ current: c.operatorStatus, wanted, changedAt: hold?.changedAt ?? null, minHoldMs: integration.minHoldSeconds * 1000, now });
      if ('apply' in decision) {
        operatorStatuses.set(c.id, decision.apply);
        statements.push(upsertHold(ctx, c.id, integration.id, now, null));
      } else if ('wait' in decision) {
        pending.set(c.id, { status: decision.wait, until: decision.until });
        statements.push(upsertHold(ctx, c.id, integration.id, hold?.changedAt ?? now, decision.wait));
      } else if (hold?.pendingStatus) {
        statements.push(db.update(alertHolds).set({ pendingStatus: null }).where(eq(alertHolds.componentId, c.id)));
      }
    }
    // Planned on the components as read first (their versions are what the plan claims).
    const moved = [...operatorStatuses.keys()];
    const plan = await planComponentStatuses(
      database,
      moved,
      now,
      { operatorStatuses, source: source(integration) },
      moved.length
        ? readStatusInputs(
            database,
            moved,
            {},
            current.filter((c) => operatorStatuses.has(c.id)),
          )
        : undefined,
    );
    statements.push(...plan.statements);
    // Every touched component is claimed, moved or not: what was decided for it (a hold, a
    // draft) rests on the alerts read for it, so a notification another instance took in at the
    // same moment makes this one run again on what is there now.
    for (const c of current) if (!operatorStatuses.has(c.id)) statements.push(...writeVersioned(database, components, c, {}));

    // Drafts: one per firing alert that has none, unless its component already has an open one.
    const draftIds: string[] = [];
    if (integration.draftIncidents) {
      const open = await db
        .select({ componentId: integrationAlerts.componentId })
        .from(integrationAlerts)
        .innerJoin(incidents, eq(incidents.id, integrationAlerts.incidentId))
        .where(and(isNotNull(integrationAlerts.incidentId), ne(incidents.status, 'resolved')));
      const covered = new Set(open.map((o) => o.componentId));
      const actor: Actor = { apiKeyId: null, name: `integration ${integration.name}` };
      for (const row of rows.values()) {
        if (row.incidentId || covered.has(row.componentId)) continue;
        const id = newId();
        const name = byId.get(row.componentId)?.name ?? row.componentId;
        statements.push(
          ...(await planDeclaration(ctx, actor, id, {
            title: `${name}: ${row.summary}`.slice(0, 200),
            severity: draftSeverity(row.status),
            customerVisible: true,
            draft: true,
            body: `Opened by the ${integration.name} integration from a firing alert: ${row.summary}. Nothing is public until someone publishes this incident with their own words.`,
            author: actor.name,
          })),
        );
        row.incidentId = id;
        covered.add(row.componentId);
        draftIds.push(id);
      }
    }

    // The integration's firing alerts, as they now stand.
    // Only the alerts this notification named (and those given a draft) are written: another
    // notification's alerts, taken in meanwhile, stay as they are.
    if (resolvedNow.length)
      statements.push(
        db.delete(integrationAlerts).where(and(eq(integrationAlerts.integrationId, integration.id), inArray(integrationAlerts.fingerprint, resolvedNow))),
      );
    const written = [...rows.values()].filter((r) => named.has(r.fingerprint) || handedOver.has(r.fingerprint) || draftIds.includes(r.incidentId ?? ''));
    if (written.length)
      statements.push(
        db
          .insert(integrationAlerts)
          .values(written)
          .onConflictDoUpdate({
            target: [integrationAlerts.integrationId, integrationAlerts.fingerprint],
            set: {
              componentId: sql`excluded.component_id`,
              status: sql`excluded.status`,
              summary: sql`excluded.summary`,
              startsAt: sql`excluded.starts_at`,
              incidentId: sql`excluded.incident_id`,
            },
          }),
      );
    statements.push(
      auditEntry(
        database,
        { apiKeyId: null, name: `integration ${integration.name}` },
        now,
        'integration.alerts',
        { type: 'integration', id: integration.id },
        { accepted, ignored: ignored.length, statuses: Object.fromEntries(operatorStatuses), ...(draftIds.length && { drafts: draftIds }) },
      ),
    );
    await database.commit(statements);
    const after = new Map(plan.changes.map((c) => [c.componentId, c.newStatus]));
    return {
      accepted,
      ignored,
      draftIncidentIds: draftIds,
      components: current.map((c) => ({
        id: c.id,
        name: byId.get(c.id)?.name ?? c.id,
        status: after.get(c.id) ?? c.operatorStatus,
        pendingStatus: pending.get(c.id)?.status ?? null,
        pendingUntil: pending.get(c.id)?.until ?? null,
      })),
    };
  });
}

function upsertHold(ctx: ServiceContext, componentId: string, integrationId: string, changedAt: Date, pendingStatus: ComponentStatus | null): Statement {
  return ctx.database.db
    .insert(alertHolds)
    .values({ componentId, integrationId, changedAt, pendingStatus })
    .onConflictDoUpdate({ target: alertHolds.componentId, set: { integrationId, changedAt, pendingStatus } });
}

/**
 * The alert clock's pass: applies each waiting status whose hold has ended, and says when the
 * next hold ends.
 */
export async function applyHeldAlertStatuses(ctx: ServiceContext): Promise<Date | null> {
  const { database } = ctx;
  const { db } = database;
  return database.exclusive(async () => {
    const now = ctx.now();
    const waiting = await db
      .select({
        componentId: alertHolds.componentId,
        integrationId: alertHolds.integrationId,
        changedAt: alertHolds.changedAt,
        status: alertHolds.pendingStatus,
        holdSeconds: integrations.minHoldSeconds,
        // Read in the same statement as the hold: the plan claims this version, so a notification
        // that changes the hold meanwhile (it claims the component) makes this pass run again.
        component: { id: components.id, status: components.status, operatorStatus: components.operatorStatus, version: components.version },
      })
      .from(alertHolds)
      .innerJoin(integrations, eq(integrations.id, alertHolds.integrationId))
      .innerJoin(components, eq(components.id, alertHolds.componentId))
      .where(isNotNull(alertHolds.pendingStatus));
    const until = (h: (typeof waiting)[number]) => h.changedAt.getTime() + h.holdSeconds * 1000;
    const due = waiting.filter((h) => until(h) <= now.getTime());
    const later = waiting.filter((h) => until(h) > now.getTime()).map(until);
    const statements: Statement[] = [];
    for (const h of due) {
      const plan = await planComponentStatuses(
        database,
        [h.componentId],
        now,
        { operatorStatuses: new Map([[h.componentId, h.status!]]), source: `integration:${h.integrationId}` },
        readStatusInputs(database, [h.componentId], {}, [h.component]),
      );
      statements.push(...plan.statements, upsertHold(ctx, h.componentId, h.integrationId, now, null));
    }
    if (statements.length) await database.commit(statements);
    return later.length ? new Date(Math.min(...later)) : null;
  });
}
