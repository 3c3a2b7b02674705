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

/** A short page of the console's own for a refused form (`text` is trusted HTML). */
function page(status: number, title: string, heading: string, text: string): Response {
  return new Response(`<!doctype html><html lang="en"><title>${title}</title><main><h1>${heading}</h1><p>${text}</p></main></html>`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
  });
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
  if (context.request.method === 'POST') {
    // A body that is not a form (JSON, garbage, a multipart body cut short) carries no token either.
    const form = await context.request
      .clone()
      .formData()
      .catch(() => null);
    // Signing in needs no token (there may be no session yet); its forms are held to this origin,
    // and one that cannot be read is refused here, before the page reads it.
    if (OPEN.has(path)) {
      if (!form) return page(400, 'Form not readable', 'This form could not be read', 'Nothing was sent. <a href="/admin/sign-in">Back to signing in</a>');
    } else if (!sameToken(String(form?.get('_csrf') ?? ''), session!.csrfToken)) {
      return page(
        403,
        'Form expired',
        'This form has expired',
        'It was opened before your latest sign-in, or sent from another site. Nothing was changed. <a href="/admin">Back to the console</a>',
      );
    }
  }
  const response = withCharset(await next());
  response.headers.set('cache-control', 'no-store');
  return response;
});
