import { and, asc, eq, gte, inArray, isNull, or } from 'drizzle-orm';
import { componentGroups, componentStatusIntervals, components, incidentComponents, incidents } from '../../../db/schema/index.ts';
import { worstStatus, type ComponentStatus } from '../../domain/component/status.ts';
import { availability, dailyAvailability, DAY_MS, DEFAULT_DOWNTIME_WEIGHTS, utcDayStart, type DayAvailability } from '../../domain/availability/uptime.ts';
import { overallStatus, type Indicator } from '../../domain/status/summary.ts';
import type { ServiceContext } from '../context.ts';
import type { Incident } from '../incidents/get.ts';
import { openPublicIncidents, publicIncident, resolvedPublicIncidents } from './incidents.ts';
import { maintenanceWindows } from '../maintenances/windows.ts';
import { activeMaintenances, upcomingMaintenances } from './maintenances.ts';
import { giveWay } from '../turns.ts';
import type { Maintenance } from '../maintenances/get.ts';

const UPTIME_DAYS = 90;
export const RECENT_DAYS = 7;

export interface UptimeDay extends DayAvailability {
  /** Public incidents that affected the component on this day. */
  incidents: { id: string; title: string }[];
}

interface PublicComponent {
  id: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
  showcase: boolean;
  onlyShowIfDegraded: boolean;
  /** For showcased components: one entry per UTC day, oldest first, and the whole window's uptime. */
  uptime: { days: UptimeDay[]; uptime: number | null } | null;
}

export interface PublicGroup {
  id: string | null;
  name: string | null;
  /** The worst status of its components. */
  status: ComponentStatus;
  components: PublicComponent[];
}

export interface StatusPage {
  generatedAt: Date;
  status: { indicator: Indicator; description: string };
  groups: PublicGroup[];
  openIncidents: Incident[];
  recentIncidents: Incident[];
  /** In progress or verifying, and not yet begun (soonest first). */
  activeMaintenances: Maintenance[];
  upcomingMaintenances: Maintenance[];
}

/** Everything the public front page shows, computed from the timeline at `now`. */
export async function loadStatusPage(ctx: ServiceContext): Promise<StatusPage> {
  const now = ctx.now();
  const { db } = ctx.database;
  const windowStart = new Date(utcDayStart(now).getTime() - (UPTIME_DAYS - 1) * DAY_MS);
  const [groups, live, openIncidents, recentIncidents, active, upcoming] = await Promise.all([
    db.select().from(componentGroups).orderBy(asc(componentGroups.position), asc(componentGroups.name)),
    db.select().from(components).where(isNull(components.deletedAt)).orderBy(asc(components.position), asc(components.name)),
    openPublicIncidents(ctx),
    resolvedPublicIncidents(ctx, new Date(now.getTime() - RECENT_DAYS * DAY_MS)),
    activeMaintenances(ctx),
    upcomingMaintenances(ctx),
  ]);
  const showcased = live.filter((c) => c.showcase).map((c) => c.id);
  const intervals = showcased.length
    ? await db
        .select()
        .from(componentStatusIntervals)
        .where(
          and(
            inArray(componentStatusIntervals.componentId, showcased),
            or(isNull(componentStatusIntervals.endedAt), gte(componentStatusIntervals.endedAt, windowStart)),
          ),
        )
    : [];
  const [incidentDays, windows] = await Promise.all([incidentsByComponentDay(ctx, showcased, windowStart), maintenanceWindows(ctx, windowStart, now)]);

  const toPublic = (c: (typeof live)[number]): PublicComponent => {
    const mine = intervals.filter((i) => i.componentId === c.id);
    const maintained = windows.get(c.id) ?? [];
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      status: c.status,
      showcase: c.showcase,
      onlyShowIfDegraded: c.onlyShowIfDegraded,
      uptime: c.showcase
        ? {
            days: dailyAvailability(mine, UPTIME_DAYS, now, DEFAULT_DOWNTIME_WEIGHTS, maintained).map((day) => ({
              ...day,
              incidents: incidentDays.get(`${c.id}/${day.date}`) ?? [],
            })),
            uptime: availability(mine, windowStart, now, DEFAULT_DOWNTIME_WEIGHTS, maintained).uptime,
          }
        : null,
    };
  };
  // A component marked only-show-if-degraded stays off the page while it is operational.
  const shown = live.filter((c) => !c.onlyShowIfDegraded || c.status !== 'operational');
  const groupIds = new Set(groups.map((g) => g.id));
  const section = async (id: string | null, name: string | null, members: typeof shown): Promise<PublicGroup> => {
    const components: PublicComponent[] = [];
    for (const member of members) {
      await giveWay();
      components.push(toPublic(member));
    }
    return { id, name, status: worstStatus(members.map((m) => m.status)), components };
  };
  const grouped = (
    await Promise.all([
      ...groups.map((g) =>
        section(
          g.id,
          g.name,
          shown.filter((c) => c.groupId === g.id),
        ),
      ),
      section(
        null,
        null,
        shown.filter((c) => !c.groupId || !groupIds.has(c.groupId)),
      ),
    ])
  ).filter((g) => g.components.length > 0);

  return {
    generatedAt: now,
    status: overallStatus(
      live.map((c) => c.status),
      openIncidents.map((i) => i.impact),
      active.length,
    ),
    groups: grouped,
    openIncidents,
    recentIncidents,
    activeMaintenances: active,
    upcomingMaintenances: upcoming,
  };
}

/** `componentId/YYYY-MM-DD` → the public incidents that affected that component that day. */
async function incidentsByComponentDay(ctx: ServiceContext, componentIds: string[], since: Date) {
  const out = new Map<string, { id: string; title: string }[]>();
  if (!componentIds.length) return out;
  const rows = await ctx.database.db
    .select({
      componentId: incidentComponents.componentId,
      id: incidents.id,
      title: incidents.title,
      startedAt: incidents.startedAt,
      resolvedAt: incidents.resolvedAt,
    })
    .from(incidentComponents)
    .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
    .where(and(inArray(incidentComponents.componentId, componentIds), publicIncident, or(isNull(incidents.resolvedAt), gte(incidents.resolvedAt, since))));
  const now = ctx.now().getTime();
  for (const r of rows) {
    // Only the days the bars show, whatever dates the data holds.
    const end = Math.min(r.resolvedAt?.getTime() ?? now, now) - 1;
    for (let day = Math.max(utcDayStart(r.startedAt).getTime(), since.getTime()); day <= end; day += DAY_MS) {
      const key = `${r.componentId}/${new Date(day).toISOString().slice(0, 10)}`;
      out.set(key, [...(out.get(key) ?? []), { id: r.id, title: r.title }]);
    }
  }
  return out;
}
