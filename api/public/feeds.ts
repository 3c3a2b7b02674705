// Incident history as Atom 1.0 (RFC 4287) and RSS 2.0: one entry per public incident and per
// maintenance, whose id never changes and whose `updated` moves with every update.
import { eq } from 'drizzle-orm';
import { components } from '../../db/schema/index.ts';
import { Feed } from 'feed';
import { markdownToText, withoutControlCharacters, renderMarkdown } from '../markdown.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Incident } from '../services/incidents/get.ts';
import { recentPublicIncidents } from '../services/public/incidents.ts';
import { lastPublicChange } from '../services/public/last-change.ts';
import type { Maintenance } from '../services/maintenances/get.ts';
import { recentMaintenances } from '../services/public/maintenances.ts';
import { PUBLIC_API_HEADERS, type PageInfo } from './statuspage.ts';
import type { Rendered, SnapshotRoute } from './snapshots.ts';
import { INCIDENT_STATUS_LABELS, MAINTENANCE_TITLE_LABELS, utc } from '../domain/words.ts';
import { escapeHtml } from '../markdown.ts';

const FEED_LIMIT = 50;

/** The entry content: every update, newest first, with its status and UTC time, as HTML. */
function entryHtml(components: { name: string }[], updates: { label: string; displayAt: Date; body: string }[], lead = ''): string {
  const affected = components.length ? `<p>Affected: ${components.map((c) => escapeHtml(withoutControlCharacters(c.name))).join(', ')}</p>` : '';
  const timeline = updates.map((u) => `<p><strong>${u.label}</strong> — ${utc(u.displayAt)}</p>${renderMarkdown(withoutControlCharacters(u.body))}`).join('\n');
  return `${lead}${affected}${timeline}`;
}

interface Entry {
  path: string;
  title: string;
  updatedAt: Date;
  publishedAt: Date;
  latest: string | undefined;
  content: string;
}

/** One event on the timeline as a feed entry: every update under its label, newest first. */
function eventEntry(e: {
  path: string;
  title: string;
  label: string;
  updatedAt: Date;
  publishedAt: Date;
  components: { name: string }[];
  updates: { label: string; displayAt: Date; body: string }[];
  lead?: string;
}): Entry {
  return {
    path: e.path,
    title: `${e.title} (${e.label})`,
    updatedAt: e.updatedAt,
    publishedAt: e.publishedAt,
    latest: e.updates[0]?.body,
    content: entryHtml(e.components, e.updates, e.lead),
  };
}

const incidentEntry = (i: Incident): Entry =>
  eventEntry({
    path: `/incidents/${i.id}`,
    title: i.title,
    label: INCIDENT_STATUS_LABELS[i.status],
    updatedAt: i.updatedAt,
    // Its public life starts when it became public, not when it was declared internally.
    publishedAt: i.publishedAt ?? i.declaredAt,
    components: i.components,
    updates: i.updates.map((u) => ({ label: INCIDENT_STATUS_LABELS[u.status], displayAt: u.displayAt, body: u.body })),
  });

const maintenanceEntry = (m: Maintenance): Entry =>
  eventEntry({
    path: `/maintenances/${m.id}`,
    title: m.title,
    label: MAINTENANCE_TITLE_LABELS[m.status],
    updatedAt: m.updatedAt,
    publishedAt: m.createdAt,
    components: m.components,
    updates: m.updates.map((u) => ({ label: MAINTENANCE_TITLE_LABELS[u.status], displayAt: u.displayAt, body: u.body })),
    lead: `<p>Scheduled ${utc(m.scheduledFor)} – ${utc(m.scheduledUntil)}</p>`,
  });

async function buildFeed(ctx: ServiceContext, page: PageInfo, component: { id: string; name: string } | null): Promise<Feed> {
  const componentId = component?.id ?? null;
  const [incidents, maintenances, updated] = await Promise.all([
    recentPublicIncidents(ctx, FEED_LIMIT, componentId ?? undefined),
    recentMaintenances(ctx, FEED_LIMIT, componentId ?? undefined),
    lastPublicChange(ctx),
  ]);
  const entries = [...incidents.map(incidentEntry), ...maintenances.map(maintenanceEntry)]
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
    .slice(0, FEED_LIMIT);
  const query = componentId ? `?component=${componentId}` : '';
  const feed = new Feed({
    id: `${page.url}/history${query}`,
    title: withoutControlCharacters(component ? `${page.name}: ${component.name} incident history` : `${page.name} incident history`),
    description: withoutControlCharacters(
      component
        ? `Incidents and maintenance affecting ${component.name} on ${page.name}, with every update.`
        : `Incidents and maintenance on ${page.name}, with every update.`,
    ),
    link: `${page.url}/history`,
    language: 'en',
    // Feed-level updated = the newest change among its entries (or the page's, when empty).
    updated: entries[0]?.updatedAt ?? updated ?? new Date(0),
    generator: 'Candor',
    author: { name: withoutControlCharacters(page.name), link: page.url },
    copyright: '',
    feedLinks: { atom: `${page.url}/history.atom${query}`, rss: `${page.url}/history.rss${query}` },
  });
  for (const entry of entries) {
    const link = `${page.url}${entry.path}`;
    feed.addItem({
      // Titles are text; type="html" in Atom, so the text is escaped, never markup.
      title: escapeHtml(withoutControlCharacters(entry.title)),
      id: link,
      link,
      date: entry.updatedAt,
      published: entry.publishedAt,
      // The latest update in plain words (cut before escaping, so no entity is cut in half).
      description: entry.latest ? escapeHtml(withoutControlCharacters(markdownToText(entry.latest)).slice(0, 500)) : '',
      content: entry.content,
    });
  }
  return feed;
}

const COMPONENT_ID = /^[a-z0-9]{1,64}$/;

/** `/history.atom` and `/history.rss` (optionally `?component=ID`) as snapshot routes. */
export function feedRoutes(ctx: ServiceContext, page: PageInfo): SnapshotRoute[] {
  const route = (path: string, contentType: string, format: (feed: Feed) => string): SnapshotRoute => ({
    key: (requested, query) => {
      if (requested !== path) return null;
      const component = new URLSearchParams(query).get('component');
      if (component === null) return path;
      // Anything but a well-formed id is one key: it names no component.
      return `${path}?component=${COMPONENT_ID.test(component) ? component : ''}`;
    },
    render: async (key): Promise<Rendered> => {
      const id = new URLSearchParams(key.split('?')[1] ?? '').get('component');
      if (id === null) return { status: 200, contentType, body: format(await buildFeed(ctx, page, null)) };
      // A component's feed, archived ones included (their history stays); an unknown one is a 404, not an empty feed.
      const component = id
        ? await ctx.database.db.select({ id: components.id, name: components.name }).from(components).where(eq(components.id, id)).get()
        : undefined;
      if (!component) return { status: 404, contentType: 'text/plain; charset=utf-8', body: 'No component has this id.\n' };
      return { status: 200, contentType, body: format(await buildFeed(ctx, page, component)) };
    },
    headers: PUBLIC_API_HEADERS,
  });
  return [
    route('/history.atom', 'application/atom+xml; charset=utf-8', (f) => f.atom1()),
    route('/history.rss', 'application/rss+xml; charset=utf-8', (f) => f.rss2()),
  ];
}
