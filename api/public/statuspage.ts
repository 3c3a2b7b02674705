// Statuspage's public API v2, in its exact shapes (see shared/reference/statuspage), so that
// widgets, bots and clients written for Statuspage work against Candor unchanged.
import { createHash } from 'node:crypto';
import { worstStatus } from '../domain/component/status.ts';
import { overallStatus } from '../domain/status/summary.ts';
import { updateOverdue } from '../domain/incident/cadence.ts';
import type { ServiceContext } from '../services/context.ts';
import { listComponentGroups, type ComponentGroup } from '../services/component-groups/list.ts';
import { listComponents, type Component } from '../services/components/list.ts';
import type { Incident } from '../services/incidents/get.ts';
import { openPublicIncidents, recentPublicIncidents } from '../services/public/incidents.ts';
import { lastPublicChange } from '../services/public/last-change.ts';
import type { Maintenance } from '../services/maintenances/get.ts';
import { activeMaintenances, recentMaintenances, upcomingMaintenances } from '../services/public/maintenances.ts';
import type { Rendered, SnapshotRoute } from './snapshots.ts';

export interface PageInfo {
  name: string;
  url: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A stable page id for this deployment, derived from its public URL. */
function pageId(url: string): string {
  return BigInt(`0x${createHash('sha256').update(url).digest('hex').slice(0, 16)}`)
    .toString(36)
    .padStart(12, '0')
    .slice(-12);
}

interface Context {
  ctx: ServiceContext;
  page: PageInfo;
  pageId: string;
  components: Component[];
  groups: ComponentGroup[];
  now: Date;
}

async function load(ctx: ServiceContext, page: PageInfo): Promise<Context & { updatedAt: Date }> {
  const [components, groups, updatedAt] = await Promise.all([listComponents(ctx), listComponentGroups(ctx), lastPublicChange(ctx)]);
  const now = ctx.now();
  // A page with nothing on it yet was last updated now, not in 1970.
  return { ctx, page, pageId: pageId(page.url), components, groups, now, updatedAt: updatedAt ?? now };
}

function pageJson(c: Context & { updatedAt: Date }) {
  return { id: c.pageId, name: c.page.name, url: c.page.url, time_zone: 'Etc/UTC', updated_at: c.updatedAt.toISOString() };
}

function componentJson(c: Context, component: Component) {
  return {
    id: component.id,
    name: component.name,
    status: component.status,
    created_at: component.createdAt.toISOString(),
    updated_at: component.updatedAt.toISOString(),
    position: component.position,
    description: component.description,
    showcase: component.showcase,
    start_date: component.startDate,
    group_id: component.groupId,
    page_id: c.pageId,
    group: false,
    only_show_if_degraded: component.onlyShowIfDegraded,
  };
}

/** Groups are components too, with `group: true` and their children's ids. */
function groupJson(c: Context, group: ComponentGroup) {
  const members = c.components.filter((m) => m.groupId === group.id);
  return {
    id: group.id,
    name: group.name,
    status: worstStatus(members.map((m) => m.status)),
    created_at: group.createdAt.toISOString(),
    updated_at: group.updatedAt.toISOString(),
    position: group.position,
    description: group.description,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: c.pageId,
    group: true,
    only_show_if_degraded: false,
    components: group.componentIds,
  };
}

/** Each group followed by its components, then the ungrouped ones, as Statuspage lists them. */
function componentsJson(c: Context) {
  const grouped = new Set(c.groups.map((g) => g.id));
  return [
    ...c.groups.flatMap((g) => [groupJson(c, g), ...c.components.filter((m) => m.groupId === g.id).map((m) => componentJson(c, m))]),
    ...c.components.filter((m) => !m.groupId || !grouped.has(m.groupId)).map((m) => componentJson(c, m)),
  ];
}

/** An incident's or a maintenance's timeline, as Statuspage's `incident_updates`. */
function updatesJson(parentId: string, updates: (Incident['updates'][number] | Maintenance['updates'][number])[]) {
  return updates.map((u) => ({
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: parentId,
    created_at: u.createdAt.toISOString(),
    updated_at: u.createdAt.toISOString(),
    display_at: u.displayAt.toISOString(),
    affected_components: u.affectedComponents.map((a) => ({ code: a.id, name: a.name, old_status: a.oldStatus, new_status: a.newStatus })),
    deliver_notifications: u.deliverNotifications,
    custom_tweet: null,
    tweet_id: null,
  }));
}

/** The live components among those an incident or maintenance names, in full. */
function componentsOf(c: Context, named: { id: string }[]) {
  const byId = new Map(c.components.map((m) => [m.id, m]));
  return named.flatMap((a) => {
    const component = byId.get(a.id);
    return component ? [componentJson(c, component)] : [];
  });
}

/** What Statuspage shows of any event on the timeline: an incident, or a maintenance shown as one. */
interface EventView {
  id: string;
  name: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  impact: string;
  path: string;
  startedAt: Date;
  updates: Incident['updates'] | Maintenance['updates'];
  components: { id: string }[];
}

/** One event in Statuspage's incident shape, then its own fields (Candor's under `candor`). */
function eventJson<Extra extends object>(c: Context, e: EventView, extra: Extra) {
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
    monitoring_at: iso(e.monitoringAt),
    resolved_at: iso(e.resolvedAt),
    impact: e.impact,
    shortlink: `${c.page.url}${e.path}`,
    started_at: e.startedAt.toISOString(),
    page_id: c.pageId,
    incident_updates: updatesJson(e.id, e.updates),
    components: componentsOf(c, e.components),
    ...extra,
  };
}

function incidentJson(c: Context, incident: Incident) {
  const view = {
    ...incident,
    name: incident.title,
    // As Statuspage does: a resolved incident with a published postmortem reads `postmortem`.
    status: incident.status === 'resolved' && incident.postmortemPublishedAt ? 'postmortem' : incident.status,
    createdAt: incident.publishedAt ?? incident.declaredAt, // public from here
    path: `/incidents/${incident.id}`,
  };
  return eventJson(c, view, {
    reminder_intervals: null,
    // Candor's own fields, in one object Statuspage clients ignore.
    candor: {
      severity: incident.severity,
      next_update_due_at: iso(incident.nextUpdateDueAt),
      next_update_overdue: incident.status !== 'resolved' && updateOverdue(incident.nextUpdateDueAt, c.now),
    },
  });
}

/** A maintenance as Statuspage shows one: an incident with impact `maintenance` and its window. */
function maintenanceJson(c: Context, m: Maintenance) {
  // Statuspage's started_at of a maintenance is when it was created; when the work really
  // began and ended is in `candor`.
  const view = {
    ...m,
    name: m.title,
    monitoringAt: null,
    resolvedAt: m.completedAt,
    impact: 'maintenance',
    path: `/maintenances/${m.id}`,
    startedAt: m.createdAt,
  };
  return eventJson(c, view, {
    scheduled_for: m.scheduledFor.toISOString(),
    scheduled_until: m.scheduledUntil.toISOString(),
    candor: { work_started_at: iso(m.startedAt), work_completed_at: iso(m.completedAt) },
  });
}

/** The most recent public incidents Statuspage's incidents.json lists. */
const INCIDENTS_JSON_LIMIT = 50;

type Builder = (ctx: ServiceContext, page: PageInfo) => Promise<unknown>;

function statusOf(c: Context, open: Incident[], active: Maintenance[]) {
  return overallStatus(
    c.components.map((m) => m.status),
    open.map((i) => i.impact),
    active.length,
  );
}

/** Statuspage's summary lists the maintenances in progress and those still to come. */
async function currentMaintenances(ctx: ServiceContext) {
  const [active, upcoming] = await Promise.all([activeMaintenances(ctx), upcomingMaintenances(ctx)]);
  return { active, upcoming };
}

export const STATUSPAGE_ENDPOINTS: Record<string, Builder> = {
  '/api/v2/summary.json': async (ctx, page) => {
    const c = await load(ctx, page);
    const [open, { active, upcoming }] = await Promise.all([openPublicIncidents(ctx), currentMaintenances(ctx)]);
    return {
      page: pageJson(c),
      components: componentsJson(c),
      incidents: open.map((i) => incidentJson(c, i)),
      scheduled_maintenances: [...active, ...upcoming].map((m) => maintenanceJson(c, m)),
      status: statusOf(c, open, active),
    };
  },
  '/api/v2/status.json': async (ctx, page) => {
    const c = await load(ctx, page);
    const [open, active] = await Promise.all([openPublicIncidents(ctx), activeMaintenances(ctx)]);
    return { page: pageJson(c), status: statusOf(c, open, active) };
  },
  '/api/v2/components.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), components: componentsJson(c) };
  },
  '/api/v2/incidents.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), incidents: (await recentPublicIncidents(ctx, INCIDENTS_JSON_LIMIT)).map((i) => incidentJson(c, i)) };
  },
  '/api/v2/incidents/unresolved.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), incidents: (await openPublicIncidents(ctx)).map((i) => incidentJson(c, i)) };
  },
  '/api/v2/scheduled-maintenances.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), scheduled_maintenances: (await recentMaintenances(ctx, INCIDENTS_JSON_LIMIT)).map((m) => maintenanceJson(c, m)) };
  },
  '/api/v2/scheduled-maintenances/upcoming.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), scheduled_maintenances: (await upcomingMaintenances(ctx)).map((m) => maintenanceJson(c, m)) };
  },
  '/api/v2/scheduled-maintenances/active.json': async (ctx, page) => {
    const c = await load(ctx, page);
    return { page: pageJson(c), scheduled_maintenances: (await activeMaintenances(ctx)).map((m) => maintenanceJson(c, m)) };
  },
};

/** Headers of every public API and feed response: anyone's page, widget or bot may read them. */
export const PUBLIC_API_HEADERS = { 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' };

/** The Statuspage endpoints as snapshot routes. */
export function statuspageRoutes(ctx: ServiceContext, page: PageInfo): SnapshotRoute[] {
  return [
    {
      key: (path) => (Object.hasOwn(STATUSPAGE_ENDPOINTS, path) ? path : null),
      render: async (key): Promise<Rendered> => ({
        status: 200,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify(await STATUSPAGE_ENDPOINTS[key]!(ctx, page)),
      }),
      headers: PUBLIC_API_HEADERS,
    },
  ];
}

/** What a webhook delivery is about. */
export type WebhookSubject =
  | { kind: 'incident'; incident: Incident }
  | { kind: 'maintenance'; maintenance: Maintenance }
  | { kind: 'component'; id: string; componentId: string; oldStatus: string; newStatus: string; at: Date };

/**
 * A webhook body as Statuspage sends one, without its per-subscriber `meta`: the page's id and
 * status, then `incident` (a maintenance is one too, as on Statuspage) or `component_update` and
 * `component`.
 */
export async function webhookPayload(ctx: ServiceContext, page: PageInfo, subject: WebhookSubject): Promise<Record<string, unknown>> {
  const c = await load(ctx, page);
  const [open, active] = await Promise.all([openPublicIncidents(ctx), activeMaintenances(ctx)]);
  const status = statusOf(c, open, active);
  const pageJson = { id: c.pageId, status_indicator: status.indicator, status_description: status.description };
  if (subject.kind === 'incident') return { page: pageJson, incident: incidentJson(c, subject.incident) };
  if (subject.kind === 'maintenance') return { page: pageJson, incident: maintenanceJson(c, subject.maintenance) };
  const component = c.components.find((m) => m.id === subject.componentId);
  return {
    page: pageJson,
    component_update: {
      id: subject.id,
      component_id: subject.componentId,
      old_status: subject.oldStatus,
      new_status: subject.newStatus,
      created_at: subject.at.toISOString(),
    },
    component: component ? componentJson(c, component) : { id: subject.componentId, status: subject.newStatus },
  };
}
