import type { Rendered, SnapshotRoute } from './snapshots.ts';

/** Headers every HTML page carries. Scripts and styles are hashed files of our own origin. */
export const HTML_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

const INCIDENT_PATH = /^\/(incidents|maintenances)\/[a-z0-9]{1,64}$/;

/** The cache key of a public page, or null for paths that are not snapshot pages. */
export function pageKey(path: string, query: string): string | null {
  if (path === '/' || path === '/robots.txt' || INCIDENT_PATH.test(path)) return path;
  if (path === '/history') {
    const page = Number(new URLSearchParams(query).get('page') ?? '1');
    return `/history?page=${Number.isSafeInteger(page) && page >= 1 ? page : 1}`;
  }
  return null;
}

/** The public pages as snapshot routes; `render` asks Astro for one page's bytes. */
export function pageRoutes(render: (path: string) => Promise<Rendered>): SnapshotRoute[] {
  return [{ key: pageKey, render, headers: HTML_HEADERS }];
}

/** Renders a page through the running server's own Astro handler, over loopback. */
export function loopbackRenderer(origin: () => string, bypass: [string, string]) {
  return async (path: string): Promise<Rendered> => {
    const res = await fetch(`${origin()}${path}`, { headers: { [bypass[0]]: bypass[1], 'accept-encoding': 'identity' } });
    if (res.status >= 500) throw new Error(`rendering ${path} answered ${res.status}`);
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/html; charset=utf-8', body: Buffer.from(await res.arrayBuffer()) };
  };
}
