import { Agent, get } from 'node:http';
import { PROBLEMS } from '../problem.ts';
import type { Rendered, SnapshotRoute } from './snapshots.ts';

/** Headers every HTML page carries. Scripts and styles are hashed files of our own origin. */
export const HTML_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** An incident or maintenance page: one path segment after the kind. */
const EVENT_PAGE = /^\/(?:incidents|maintenances)\/([^/]+)$/;
/** What an incident or maintenance id looks like: any other segment names nothing. */
const EVENT_ID = /^[a-z0-9]{1,64}$/;

/** Which incident, maintenance and history pages exist, as of one data version (absent: not known yet). */
export interface PageIndex {
  ids: Set<string>;
  historyPages: number;
}

/**
 * The first path segment of every page the site has (site/pages: its files and folders, `index`
 * being ''): any other path is none of its pages, whatever follows.
 */
export const SITE_SECTIONS = new Set(['', '404', 'admin', 'history', 'incidents', 'maintenances', 'problems', 'robots.txt', 'subscribe', 'subscriptions']);

/** Whether `path` may be a page of the site (its first segment is one of the site's sections). */
export function isSitePath(path: string): boolean {
  const end = path.indexOf('/', 1);
  const section = path.slice(1, end === -1 ? undefined : end);
  return section === '' ? path === '/' : SITE_SECTIONS.has(section);
}

/** The key every page that does not exist shares: one render per data version, however many ids are tried. */
export const NOT_FOUND_KEY = '/404';

/** What the subscribe form shows, by its query: the form, the form with an error, or "check your inbox". */
const SUBSCRIBE_ERRORS = new Set(['email', 'endpoint']);

/**
 * The cache key of a public page, or null for paths that are not snapshot pages. A segment that
 * is not an id names nothing; with an index of what exists (current for this data version), an
 * unknown incident or maintenance id, or a history page past the last, does not either; nor does
 * an unknown problem code. All of them map to the one not-found snapshot instead of a render of
 * their own. The subscribe form is the same for everyone: one snapshot per thing it can say.
 */
export function pageKey(path: string, query: string, index: PageIndex | null = null): string | null {
  if (path === '/' || path === '/robots.txt') return path;
  const event = EVENT_PAGE.exec(path);
  if (event) return !EVENT_ID.test(event[1]!) || (index && !index.ids.has(event[1]!)) ? NOT_FOUND_KEY : path;
  if (path.startsWith('/problems/')) return Object.hasOwn(PROBLEMS, path.slice('/problems/'.length)) ? path : NOT_FOUND_KEY;
  if (path === '/subscribe') {
    const params = new URLSearchParams(query);
    const error = params.get('error');
    return params.has('sent') ? '/subscribe?sent' : error && SUBSCRIBE_ERRORS.has(error) ? `/subscribe?error=${error}` : path;
  }
  if (path === '/history') {
    const page = Number(new URLSearchParams(query).get('page') ?? '1');
    const n = Number.isSafeInteger(page) && page >= 1 ? page : 1;
    return index && n > index.historyPages ? NOT_FOUND_KEY : `/history?page=${n}`;
  }
  return null;
}

/** Where a public page asked for with a trailing slash lives (null: not a page's path). */
export function canonicalPath(path: string): string | null {
  if (path.length < 2 || !path.endsWith('/')) return null;
  const bare = path.slice(0, -1);
  return bare === '/history' || EVENT_PAGE.test(bare) ? bare : null;
}

/** The public pages as snapshot routes; `render` asks Astro for one page's bytes; `index` says what exists (null while not current). */
export function pageRoutes(render: (path: string) => Promise<Rendered>, index: () => PageIndex | null = () => null): SnapshotRoute[] {
  return [
    {
      key: (path, query) => (path === NOT_FOUND_KEY ? path : pageKey(path, query, index())),
      moved: canonicalPath,
      render,
      headers: HTML_HEADERS,
    },
  ];
}

/**
 * Renders a page through the running server's own Astro handler, over loopback, with node:http on
 * kept-alive connections (fetch parsed each answer in WebAssembly and read it through web
 * streams, on the server's own loop: a first render took 6.5 ms of CPU with it, 6.3 without).
 */
export function loopbackRenderer(origin: () => string, bypass: [string, string]) {
  const agent = new Agent({ keepAlive: true });
  return (path: string): Promise<Rendered> =>
    new Promise((resolve, reject) => {
      get(`${origin()}${path}`, { agent, headers: { [bypass[0]]: bypass[1], 'accept-encoding': 'identity' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          if (status >= 500) reject(new Error(`rendering ${path} answered ${status}`));
          else resolve({ status, contentType: res.headers['content-type'] ?? 'text/html; charset=utf-8', body: Buffer.concat(chunks) });
        });
      }).on('error', reject);
    });
}
