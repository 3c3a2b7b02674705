import type { Context, Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../client-ip.ts';
import { z } from 'zod';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { SubscriptionSettings } from '../../services/subscribers/links.ts';
import { resumeSubscription, unsubscribe, updateSubscription } from '../../services/subscribers/manage.ts';
import { subscribe } from '../../services/subscribers/subscribe.ts';
import { confirmSubscription } from '../../services/subscribers/confirm.ts';
import { limitBody } from '../body-limit.ts';
import { SUBSCRIBER_TYPES } from '../../domain/subscribers/endpoint.ts';
import { sameOrigin } from '../same-origin.ts';

const subscribeBody = z
  .object({
    type: z.enum(SUBSCRIBER_TYPES).default('email'),
    email: z.email('not an email address').max(320),
    endpoint: z.string().max(2000).optional(),
    component_ids: z.array(z.string().max(64)).max(500).default([]),
  })
  .transform((b) => ({ ...b, endpoint: b.type === 'email' ? undefined : b.endpoint?.trim() || undefined }))
  .superRefine((b, ctx) => {
    if (b.type !== 'email' && !b.endpoint) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `a ${b.type} subscription needs its URL` });
  });

/** Form fields or JSON, with repeated `component_ids` as an array. */
async function readBody(c: Context): Promise<Record<string, unknown>> {
  if ((c.req.header('content-type') ?? '').includes('application/json')) {
    try {
      return (await c.req.json()) as Record<string, unknown>;
    } catch {
      throw new ValidationFailed([{ path: '$', message: 'not valid JSON' }]);
    }
  }
  // A form that does not parse (a multipart body without its boundary, cut short) is the
  // sender's mistake like bad JSON.
  const form = await c.req.parseBody({ all: true }).catch(() => {
    throw new ValidationFailed([{ path: '$', message: 'not a valid form' }]);
  });
  const ids = form.component_ids ?? form['component_ids[]'];
  return { ...form, component_ids: ids === undefined ? [] : [ids].flat() };
}

const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

const PUBLIC_BODY_BYTES = 32 * 1024;

/** The public subscription endpoints; the pages that show their forms are Astro's. */
export function mountSubscriptionRoutes(app: Hono<AppEnv>, ctx: ServiceContext, settings: () => Promise<SubscriptionSettings>, trustProxy = false): void {
  // A form with every component ticked is a few KB; nothing public needs more.
  for (const path of ['/subscribe', '/subscribe/confirm', '/subscriptions/*']) app.post(path, limitBody(PUBLIC_BODY_BYTES));
  for (const path of ['/subscribe', '/subscriptions/manage'])
    app.post(
      path,
      sameOrigin(async () => (await settings()).publicUrl),
    );
  // The same answer whether the address was new, pending or already subscribed.
  app.post('/subscribe', async (c) => {
    const body = await readBody(c);
    // The form's "All components" choice wins over any boxes left ticked.
    const parsed = subscribeBody.safeParse(body.all === '1' ? { ...body, component_ids: [] } : body);
    if (!parsed.success) {
      if (wantsHtml(c)) return c.redirect(`/subscribe?error=${parsed.error.issues[0]?.path[0] === 'endpoint' ? 'endpoint' : 'email'}`, 303);
      throw new ValidationFailed(parsed.error.issues.map((i) => ({ path: i.path.join('.') || '$', message: i.message })));
    }
    const { type, email, endpoint, component_ids } = parsed.data;
    try {
      await subscribe(ctx, { type, email, endpoint, componentIds: component_ids, ip: clientIp(c, trustProxy) });
    } catch (err) {
      const field = err instanceof ValidationFailed ? err.errors[0]?.path : undefined;
      if (!wantsHtml(c) || (field !== 'endpoint' && field !== 'email')) throw err;
      return c.redirect(`/subscribe?error=${field}`, 303);
    }
    if (wantsHtml(c)) return c.redirect('/subscribe?sent=1', 303);
    return c.json({ message: `If ${type === 'email' ? 'this address' : `${email}`} can receive our updates, a confirmation email is on its way.` }, 202);
  });

  // The button on the confirmation page (the emailed link only shows it: a scanner that
  // follows links confirms nothing).
  app.post('/subscribe/confirm', async (c) => {
    const body = await readBody(c);
    try {
      await confirmSubscription(ctx, String(body.token ?? ''));
    } catch (err) {
      if (!(err instanceof ValidationFailed) || !wantsHtml(c)) throw err;
      return c.redirect('/subscribe/confirm?invalid=1', 303);
    }
    if (wantsHtml(c)) return c.redirect('/subscribe/confirm?confirmed=1', 303);
    return c.json({ message: 'You are subscribed.' });
  });

  // RFC 8058 one-click (from the mail client) and the button on the unsubscribe page.
  app.post('/subscriptions/unsubscribe', async (c) => {
    const token = c.req.query('token') ?? String((await readBody(c)).token ?? '');
    await unsubscribe(ctx, (await settings()).secret, token);
    if (wantsHtml(c)) return c.redirect('/subscriptions/unsubscribe?done=1', 303);
    return c.text('You are unsubscribed.\n');
  });

  app.post('/subscriptions/manage', async (c) => {
    const body = await readBody(c);
    const token = String(body.token ?? '');
    const { secret } = await settings();
    if (body.action === 'unsubscribe') {
      await unsubscribe(ctx, secret, token);
      return c.redirect('/subscriptions/unsubscribe?done=1', 303);
    }
    if (body.action === 'resume') {
      await resumeSubscription(ctx, secret, token);
      return c.redirect(`/subscriptions/manage?token=${encodeURIComponent(token)}&saved=1`, 303);
    }
    const ids = body.all === '1' ? [] : (body.component_ids as string[]);
    await updateSubscription(ctx, secret, token, ids);
    return c.redirect(`/subscriptions/manage?token=${encodeURIComponent(token)}&saved=1`, 303);
  });
}
