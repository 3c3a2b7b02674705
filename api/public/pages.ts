import type { Rendered, SnapshotRoute } from './snapshots.ts';

/** Headers every HTML page carries. Scripts and styles are hashed files of our own origin. */
export const HTML_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

const INCIDENT_PATH = /^\/(incidents|maintenances)\/[a-z0-9]{1,64}$/;

/** Which incident, maintenance and history pages exist, as of one data version (absent: not known yet). */
export interface PageIndex {
  ids: Set<string>;
  historyPages: number;
}

/** The key every page that does not exist shares: one render per data version, however many ids are tried. */
const NOT_FOUND_KEY = '/404';

/**
 * The cache key of a public page, or null for paths that are not snapshot pages. With an index
 * of what exists (current for this data version), an unknown incident or maintenance id, or a
 * history page past the last, maps to the one not-found snapshot instead of a render of its own.
 */
export function pageKey(path: string, query: string, index: PageIndex | null = null): string | null {
  if (path === '/' || path === '/robots.txt') return path;
  if (INCIDENT_PATH.test(path)) return index && !index.ids.has(path.slice(path.lastIndexOf('/') + 1)) ? NOT_FOUND_KEY : path;
  if (path === '/history') {
    const page = Number(new URLSearchParams(query).get('page') ?? '1');
    const n = Number.isSafeInteger(page) && page >= 1 ? page : 1;
    return index && n > index.historyPages ? NOT_FOUND_KEY : `/history?page=${n}`;
  }
  return null;
}

/** The public pages as snapshot routes; `render` asks Astro for one page's bytes; `index` says what exists (null while not current). */
export function pageRoutes(render: (path: string) => Promise<Rendered>, index: () => PageIndex | null = () => null): SnapshotRoute[] {
  return [{ key: (path, query) => (path === NOT_FOUND_KEY ? path : pageKey(path, query, index())), render, headers: HTML_HEADERS }];
}

/** Renders a page through the running server's own Astro handler, over loopback. */
export function loopbackRenderer(origin: () => string, bypass: [string, string]) {
  return async (path: string): Promise<Rendered> => {
    const res = await fetch(`${origin()}${path}`, { headers: { [bypass[0]]: bypass[1], 'accept-encoding': 'identity' } });
    if (res.status >= 500) throw new Error(`rendering ${path} answered ${res.status}`);
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/html; charset=utf-8', body: Buffer.from(await res.arrayBuffer()) };
  };
}
