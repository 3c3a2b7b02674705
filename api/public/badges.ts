// Shields-style SVG badges and a one-line embed, for READMEs, dashboards and other sites.
import { componentIndicator, type Indicator } from '../domain/status/summary.ts';
import { COMPONENT_STATUS_LABELS } from '../domain/words.ts';
import { escapeHtml } from '../markdown.ts';
import type { ServiceContext } from '../services/context.ts';
import { listComponents } from '../services/components/list.ts';
import { STATUSPAGE_ENDPOINTS, type PageInfo } from './statuspage.ts';
import type { Rendered, SnapshotRoute } from './snapshots.ts';

/** Each indicator's colour (badges, the favicon, the embed): white text on it reads at 4.5:1 or more. */
const COLORS: Record<Indicator, string> = {
  none: '#1a7f37',
  minor: '#9a6700',
  major: '#bc4c00',
  critical: '#cf222e',
  maintenance: '#0969da',
};

/** Roughly how wide a string is in 11px Verdana (what shields-style badges are set in). */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[ilI.,:;|!'`]/.test(ch) ? 3.7 : /[mwMW@]/.test(ch) ? 10.5 : /[A-Z0-9]/.test(ch) ? 7.6 : 6.6;
  return Math.round(width);
}

type BadgeStyle = 'flat' | 'flat-square';

/** A two-part badge, `label | message`, coloured by the indicator, with its text as the accessible name. */
function badgeSvg(label: string, message: string, indicator: Indicator, style: BadgeStyle = 'flat'): string {
  const [l, m] = [escapeHtml(label), escapeHtml(message)];
  const lw = textWidth(label) + 12;
  const mw = textWidth(message) + 12;
  const w = lw + mw;
  const round = style === 'flat' ? 3 : 0;
  const gloss =
    style === 'flat'
      ? `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><rect width="${w}" height="20" rx="${round}" fill="url(#s)"/>`
      : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${m}">`,
    `<title>${l}: ${m}</title>`,
    `<clipPath id="r"><rect width="${w}" height="20" rx="${round}" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${COLORS[indicator]}"/>${gloss}</g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${lw / 2}" y="14">${l}</text><text x="${lw + mw / 2}" y="14">${m}</text>`,
    '</g></svg>',
  ].join('');
}

const BADGE_PATH = /^\/components\/([a-z0-9]{1,64})\/badge\.svg$/;
const styleOf = (query: string): BadgeStyle => (new URLSearchParams(query).get('style') === 'flat-square' ? 'flat-square' : 'flat');

const SVG_HEADERS = {
  'access-control-allow-origin': '*',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

/** The embed is made to be framed by any site; it runs no script and loads nothing. */
const EMBED_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

async function overall(ctx: ServiceContext, page: PageInfo): Promise<{ indicator: Indicator; description: string }> {
  const body = (await STATUSPAGE_ENDPOINTS['/api/v2/status.json']!(ctx, page)) as { status: { indicator: Indicator; description: string } };
  return body.status;
}

/** `/badge.svg`, `/components/{id}/badge.svg` (each `?style=flat|flat-square`) and `/embed`, as snapshot routes. */
export function badgeRoutes(ctx: ServiceContext, page: PageInfo): SnapshotRoute[] {
  return [
    {
      key: (path, query) => (path === '/badge.svg' || BADGE_PATH.test(path) ? `${path}?style=${styleOf(query)}` : null),
      render: async (key): Promise<Rendered> => {
        const [path = '', query = ''] = key.split('?');
        const style = styleOf(query);
        const id = BADGE_PATH.exec(path)?.[1];
        if (!id) {
          const status = await overall(ctx, page);
          return { status: 200, contentType: 'image/svg+xml', body: badgeSvg('status', status.description.toLowerCase(), status.indicator, style) };
        }
        const component = (await listComponents(ctx)).find((c) => c.id === id);
        if (!component) return { status: 404, contentType: 'image/svg+xml', body: badgeSvg('status', 'no such component', 'none', style) };
        return {
          status: 200,
          contentType: 'image/svg+xml',
          body: badgeSvg(component.name, COMPONENT_STATUS_LABELS[component.status].toLowerCase(), componentIndicator(component.status), style),
        };
      },
      headers: SVG_HEADERS,
    },
    {
      key: (path) => (path === '/embed' ? path : null),
      render: async (): Promise<Rendered> => {
        const status = await overall(ctx, page);
        const name = escapeHtml(page.name);
        const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${name} status</title>
<style>html,body{margin:0;background:transparent}a{display:inline-flex;align-items:center;gap:.5em;font:14px/1.4 system-ui,sans-serif;color:#1f2328;text-decoration:none;padding:.25em .5em}a:hover span{text-decoration:underline}i{width:.7em;height:.7em;border-radius:50%;background:${COLORS[status.indicator]};flex:none}@media (prefers-color-scheme:dark){a{color:#e6edf3}}</style>
</head><body><a href="${escapeHtml(page.url)}/" target="_blank" rel="noopener"><i aria-hidden="true"></i><span>${escapeHtml(status.description)}</span></a></body></html>
`;
        return { status: 200, contentType: 'text/html; charset=utf-8', body };
      },
      headers: EMBED_HEADERS,
    },
  ];
}

const GLYPHS: Record<Indicator, string> = {
  none: 'M9 16.5l4.5 4.5L23 11.5',
  minor: 'M16 9v8M16 22.5v.5',
  major: 'M16 9v8M16 22.5v.5',
  critical: 'M11 11l10 10M21 11L11 21',
  maintenance: 'M10 16h.5M16 16h.5M22 16h.5',
};

/** The favicon for an indicator: a disc in its colour with a mark (check, exclamation, cross, dots). */
export function faviconSvg(indicator: Indicator): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="${COLORS[indicator]}"/><path d="${GLYPHS[indicator]}" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>\n`;
}

/** The page's status now (what the badge, the embed and the favicon show). */
export async function pageIndicator(ctx: ServiceContext, page: PageInfo): Promise<Indicator> {
  return (await overall(ctx, page)).indicator;
}
