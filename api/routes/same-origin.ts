import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from '../problem.ts';

const FORM = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/**
 * Refuses a form POST a browser sent from another site (cross-site request forgery): its
 * `Origin` is neither the public URL's nor the address it was sent to, or the browser says
 * `Sec-Fetch-Site: cross-site`. A request with no Origin at all (curl, a mail provider's RFC 8058
 * one-click unsubscribe) comes from no web page and passes; JSON cannot be sent cross-site
 * without the CORS preflight this server never grants.
 */
export function sameOrigin(publicUrl: () => Promise<string>): MiddlewareHandler {
  return async (c, next) => {
    if (FORM.test(c.req.header('content-type') ?? 'text/plain')) {
      const origin = c.req.header('origin');
      const allowed = origin === undefined || origin === new URL(c.req.url).origin || origin === new URL(await publicUrl()).origin;
      if (!allowed || c.req.header('sec-fetch-site') === 'cross-site') {
        throw new HttpProblem('cross_origin', `A form on ${origin ?? 'another site'} cannot post here`, [{ path: 'Origin', message: 'not this status page' }]);
      }
    }
    await next();
  };
}
