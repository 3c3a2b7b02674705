// Incident history as Atom 1.0 (RFC 4287) and RSS 2.0: one entry per public incident, whose id
// never changes and whose `updated` moves with every update.
import { Feed } from 'feed';
import { withoutControlCharacters, renderMarkdown } from '../markdown.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Incident } from '../services/incidents/get.ts';
import { recentPublicIncidents } from '../services/public/incidents.ts';
import { lastPublicChange } from '../services/public/last-change.ts';
import { PUBLIC_API_HEADERS, type PageInfo } from './statuspage.ts';
import type { Rendered, SnapshotRoute } from './snapshots.ts';

export const FEED_LIMIT = 50;

const STATUS_LABELS: Record<Incident['status'], string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The entry content: every update, newest first, with its status and UTC time, as HTML. */
function entryHtml(incident: Incident): string {
  const components = incident.components.length ? `<p>Affected: ${incident.components.map((c) => escapeHtml(withoutControlCharacters(c.name))).join(', ')}</p>` : '';
  const updates = incident.updates
    .map((u) => `<p><strong>${STATUS_LABELS[u.status]}</strong> — ${u.displayAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</p>${renderMarkdown(withoutControlCharacters(u.body))}`)
    .join('\n');
  return `${components}${updates}`;
}

async function buildFeed(ctx: ServiceContext, page: PageInfo, componentId: string | null): Promise<Feed> {
  const [incidents, updated] = await Promise.all([recentPublicIncidents(ctx, FEED_LIMIT, componentId ?? undefined), lastPublicChange(ctx)]);
  const query = componentId ? `?component=${componentId}` : '';
  const feed = new Feed({
    id: `${page.url}/history${query}`,
    title: withoutControlCharacters(`${page.name} incident history`),
    description: `Incidents on ${withoutControlCharacters(page.name)}, with every update.`,
    link: `${page.url}/history`,
    language: 'en',
    // Feed-level updated = the newest change among its entries (or the page's, when empty).
    updated: incidents[0]?.updatedAt ?? updated ?? new Date(0),
    generator: 'Candor',
    author: { name: withoutControlCharacters(page.name), link: page.url },
    copyright: '',
    feedLinks: { atom: `${page.url}/history.atom${query}`, rss: `${page.url}/history.rss${query}` },
  });
  for (const incident of incidents) {
    const link = `${page.url}/incidents/${incident.id}`;
    const latest = incident.updates[0];
    feed.addItem({
      // Titles are text; type="html" in Atom, so the text is escaped, never markup.
      title: escapeHtml(withoutControlCharacters(`${incident.title} (${STATUS_LABELS[incident.status]})`)),
      id: link,
      link,
      date: incident.updatedAt,
      published: incident.declaredAt,
      description: latest ? escapeHtml(withoutControlCharacters(latest.body)).slice(0, 500) : '',
      content: entryHtml(incident),
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
      return component && COMPONENT_ID.test(component) ? `${path}?component=${component}` : path;
    },
    render: async (key): Promise<Rendered> => {
      const component = new URLSearchParams(key.split('?')[1] ?? '').get('component');
      return { status: 200, contentType, body: format(await buildFeed(ctx, page, component)) };
    },
    headers: PUBLIC_API_HEADERS,
  });
  return [
    route('/history.atom', 'application/atom+xml; charset=utf-8', (f) => f.atom1()),
    route('/history.rss', 'application/rss+xml; charset=utf-8', (f) => f.rss2()),
  ];
}
