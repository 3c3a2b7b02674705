import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { incidentComponents, incidentUpdates, incidents, maintenances } from '../../../db/schema/index.ts';
import { resolvedGaps, type ResolvedGap } from '../../domain/incident/duration.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { impactOf, type Impact } from '../../domain/incident/lifecycle.ts';
import type { ServiceContext } from '../context.ts';
import { publicIncident } from './incidents.ts';

interface HistoryEntry {
  kind: 'incident' | 'maintenance';
  id: string;
  title: string;
  impact: Impact | 'maintenance';
  startedAt: Date;
  endedAt: Date;
  /** Stretches a reopened incident spent resolved: not part of how long it lasted. */
  resolvedGaps: ResolvedGap[];
}

export interface HistoryPage {
  entries: HistoryEntry[];
  page: number;
  pages: number;
}

const HISTORY_PAGE_SIZE = 25;

const resolved = and(publicIncident, eq(incidents.status, 'resolved'), isNotNull(incidents.resolvedAt));
const completed = and(eq(maintenances.status, 'completed'), isNotNull(maintenances.startedAt), isNotNull(maintenances.completedAt));

/** How many entries the history has: resolved public incidents and completed maintenances. */
async function historyLength(ctx: ServiceContext): Promise<number> {
  const { db } = ctx.database;
  const [[i], [m]] = await Promise.all([
    db.select({ n: sql<number>`count(*)` }).from(incidents).where(resolved),
    db.select({ n: sql<number>`count(*)` }).from(maintenances).where(completed),
  ]);
  return (i?.n ?? 0) + (m?.n ?? 0);
}

/**
 * Which public pages exist: the ids of public incidents and of maintenances, and how many
 * history pages there are — so a request for any other page is answered without a render.
 */
export async function publicPageIndex(ctx: ServiceContext): Promise<{ ids: Set<string>; historyPages: number }> {
  const { db } = ctx.database;
  // The ids come back as one space-separated string per table (ids are letters and digits): it is
  // read after every public change, and ten thousand rows one by one held the loop ≈ 20 ms.
  const idsOf = sql<string | null>`group_concat(id, ' ')`;
  const [incidentIds, maintenanceIds, total] = await Promise.all([
    db.select({ ids: idsOf }).from(incidents).where(publicIncident).get(),
    db.select({ ids: idsOf }).from(maintenances).get(),
    historyLength(ctx),
  ]);
  const ids = [incidentIds?.ids, maintenanceIds?.ids].flatMap((list) => (list ? list.split(' ') : []));
  return { ids: new Set(ids), historyPages: Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE)) };
}

/**
 * Resolved public incidents and completed maintenances, newest start first, one page at a
 * time (pages count from 1). Each kind is read in order up to the end of the page and the two
 * are merged: the history is read rarely and served from a snapshot.
 */
export async function publicHistory(ctx: ServiceContext, page: number): Promise<HistoryPage> {
  const { db } = ctx.database;
  const upTo = page * HISTORY_PAGE_SIZE;
  const [total, incidentRows, maintenanceRows] = await Promise.all([
    historyLength(ctx),
    db
      .select({
        id: incidents.id,
        title: incidents.title,
        severity: incidents.severity,
        impactOverride: incidents.impactOverride,
        reopenCount: incidents.reopenCount,
        startedAt: incidents.startedAt,
        endedAt: incidents.resolvedAt,
      })
      .from(incidents)
      .where(resolved)
      .orderBy(desc(incidents.startedAt), desc(incidents.id))
      .limit(upTo),
    db
      .select({ id: maintenances.id, title: maintenances.title, startedAt: maintenances.startedAt, endedAt: maintenances.completedAt })
      .from(maintenances)
      .where(completed)
      .orderBy(desc(maintenances.startedAt), desc(maintenances.id))
      .limit(upTo),
  ]);
  const heldRows = incidentRows.length
    ? await db
        .select({ incidentId: incidentComponents.incidentId, status: incidentComponents.status })
        .from(incidentComponents)
        .where(
          inArray(
            incidentComponents.incidentId,
            incidentRows.map((r) => r.id),
          ),
        )
    : [];
  const held = (id: string): ComponentStatus[] => heldRows.filter((h) => h.incidentId === id).map((h) => h.status);
  // Reopened incidents: the time they spent resolved in between is not part of how long they lasted.
  const reopened = incidentRows.filter((r) => r.reopenCount > 0).map((r) => r.id);
  const timeline = reopened.length
    ? await db
        .select({ incidentId: incidentUpdates.incidentId, kind: incidentUpdates.kind, status: incidentUpdates.status, createdAt: incidentUpdates.createdAt })
        .from(incidentUpdates)
        .where(inArray(incidentUpdates.incidentId, reopened))
    : [];
  const gaps = (id: string) => resolvedGaps(timeline.filter((e) => e.incidentId === id));
  const entries: HistoryEntry[] = [
    ...incidentRows.map((r) => ({
      kind: 'incident' as const,
      id: r.id,
      title: r.title,
      impact: impactOf(r.severity, r.impactOverride, held(r.id)),
      startedAt: r.startedAt,
      endedAt: r.endedAt!,
      resolvedGaps: gaps(r.id),
    })),
    ...maintenanceRows.map((r) => ({
      kind: 'maintenance' as const,
      id: r.id,
      title: r.title,
      impact: 'maintenance' as const,
      startedAt: r.startedAt!,
      endedAt: r.endedAt!,
      resolvedGaps: [],
    })),
  ].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : -1));
  return {
    page,
    pages: Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE)),
    entries: entries.slice(upTo - HISTORY_PAGE_SIZE, upTo),
  };
}
