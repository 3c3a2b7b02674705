// The console's gate: every /admin page needs a live session (except signing in), and every
// form posted there carries the session's CSRF token. Public pages pass straight through
// (every page, public or not, has its charset named in its content type).
import { timingSafeEqual } from 'node:crypto';
import { defineMiddleware } from 'astro:middleware';
import { resolveSession } from '../api/services/users/sessions.ts';
import { sessionCookie } from './lib/console.ts';

const OPEN = new Set(['/admin/sign-in', '/admin/sign-in/link']);

function sameToken(sent: string, expected: string): boolean {
  const [x, y] = [Buffer.from(sent), Buffer.from(expected)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Astro labels its pages `text/html`: the charset is said in the header too, not only in the page. */
function withCharset(response: Response): Response {
  if (response.headers.get('content-type') === 'text/html') response.headers.set('content-type', 'text/html; charset=utf-8');
  return response;
}

export const onRequest = defineMiddleware(async (context, next) => {
  const path = context.url.pathname.replace(/\/$/, '') || '/';
  if (path !== '/admin' && !path.startsWith('/admin/')) return withCharset(await next());
  const { candor, site } = context.locals;
  const token = context.cookies.get(sessionCookie(site.url))?.value ?? '';
  const session = token ? await resolveSession(candor, token) : null;
  context.locals.console = session;
  if (!session && !OPEN.has(path)) {
    const back = context.request.method === 'GET' ? `?next=${encodeURIComponent(context.url.pathname + context.url.search)}` : '';
    return context.redirect(`/admin/sign-in${back}`, 303);
  }
  // Signing in needs no token (there may be no session yet); its forms are held to this origin.
  if (session && context.request.method === 'POST' && !OPEN.has(path)) {
    // A body that is not a form (JSON, garbage) carries no token either.
    const form = await context.request
      .clone()
      .formData()
      .catch(() => new FormData());
    if (!sameToken(String(form.get('_csrf') ?? ''), session.csrfToken)) {
      return new Response(
        '<!doctype html><html lang="en"><title>Form expired</title><main><h1>This form has expired</h1><p>It was opened before your latest sign-in, or sent from another site. Nothing was changed. <a href="/admin">Back to the console</a></p></main></html>',
        { status: 403, headers: { 'content-type': 'text/html; charset=utf-8' } },
      );
    }
  }
  const response = withCharset(await next());
  response.headers.set('cache-control', 'no-store');
  return response;
});
