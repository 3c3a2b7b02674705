import { z } from 'zod';
import {
  countSubscribers,
  createSubscriber,
  deleteSubscriber,
  getSubscriber,
  importSubscribers,
  listSubscribers,
  resumeSubscriber,
} from '../../services/subscribers/admin.ts';
import { SUBSCRIBER_TYPES } from '../../domain/subscribers/endpoint.ts';
import { failedMessages, outboxCounts, retryFailed } from '../../services/outbox/delivery.ts';
import { providerFailingSince } from '../../services/outbox/trouble.ts';
import { route } from '../define.ts';
import { id, idParams, limit, page, pageQuery, timestamp } from './schemas.ts';

const tag = 'Subscribers';
/** 100 000 rows of CSV with a component or two each fit in this. */
const IMPORT_BODY_BYTES = 16 * 1024 * 1024;

const subscriberInput = z
  .strictObject({
    type: z.enum(SUBSCRIBER_TYPES).optional().describe("email (default), webhook (signed JSON in Statuspage's shapes) or slack (an incoming-webhook URL)"),
    email: z
      .email('not an email address')
      .max(320)
      .describe('the address updates go to; for a webhook or Slack, where its confirmation and failure notices go'),
    endpoint: z.string().max(2000).optional().describe("a webhook's or Slack's URL"),
    component_ids: z.array(id).max(500).optional().describe('absent or empty: every component'),
    confirmed: z.boolean().optional().describe('true: the operator vouches for the address, no confirmation email'),
  })
  .superRefine((s, ctx) => {
    if (s.type && s.type !== 'email' && !s.endpoint) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `a ${s.type} subscriber needs its URL` });
  });

// CSV rows arrive as strings: `component_ids` separated by spaces or semicolons, `confirmed` as true/false/1/0.
const csvRow = z
  .object({
    type: z.string().optional(),
    email: z.string(),
    endpoint: z.string().optional(),
    component_ids: z.string().optional(),
    confirmed: z.string().optional(),
  })
  .transform((r) => ({
    ...(r.type ? { type: r.type as (typeof SUBSCRIBER_TYPES)[number] } : {}),
    ...(r.endpoint ? { endpoint: r.endpoint } : {}),
    email: r.email,
    ...(r.component_ids ? { component_ids: r.component_ids.split(/[;\s]+/).filter(Boolean) } : {}),
    ...(r.confirmed ? { confirmed: /^(true|1|yes)$/i.test(r.confirmed) } : {}),
  }))
  .pipe(subscriberInput);

const subscriber = z.object({
  id,
  type: z.enum(SUBSCRIBER_TYPES),
  email: z.string(),
  endpoint: z.string().nullable(),
  confirmed_at: timestamp.nullable(),
  component_ids: z.array(id).nullable().describe('null: every component'),
  source: z.enum(['page', 'admin', 'import']),
  created_at: timestamp,
  delivery: z
    .object({
      state: z.enum(['active', 'paused']),
      paused_at: timestamp.nullable(),
      consecutive_failures: z.int(),
      last_error: z.string().nullable(),
      last_error_at: timestamp.nullable(),
    })
    .nullable()
    .describe("a webhook's or Slack's delivery state; null for email"),
});

const shape = (s: Awaited<ReturnType<typeof getSubscriber>>) => ({
  id: s.id,
  type: s.type,
  email: s.email,
  endpoint: s.endpoint,
  confirmedAt: s.confirmedAt,
  componentIds: s.componentIds,
  source: s.source,
  createdAt: s.createdAt,
  delivery:
    s.type === 'email'
      ? null
      : {
          state: s.pausedAt ? ('paused' as const) : ('active' as const),
          pausedAt: s.pausedAt,
          consecutiveFailures: s.consecutiveFailures,
          lastError: s.lastError,
          lastErrorAt: s.lastErrorAt,
        },
});

export const subscriberRoutes = [
  route(
    {
      method: 'get',
      path: '/subscribers',
      summary: 'List subscribers by address',
      tag,
      scope: 'read',
      query: pageQuery.extend({
        state: z.enum(['confirmed', 'unconfirmed']).optional(),
        email: z.string().max(320).optional().describe('part of the address'),
        component_id: id.optional().describe('those who hear of this component (every-component subscribers too)'),
      }),
      response: page(subscriber),
    },
    async ({ ctx, query }) => {
      const result = await listSubscribers(ctx, query);
      return { data: result.data.map(shape), nextCursor: result.nextCursor };
    },
  ),
  route(
    {
      method: 'get',
      path: '/subscribers/count',
      summary: 'Count subscribers',
      tag,
      scope: 'read',
      response: z.object({ total: z.int(), confirmed: z.int(), unconfirmed: z.int() }),
    },
    async ({ ctx }) => countSubscribers(ctx),
  ),
  route(
    {
      method: 'post',
      path: '/subscribers',
      summary: "Add a subscriber (a confirmation email goes out unless confirmed: true); a webhook's signing secret is in this answer only",
      tag,
      scope: 'admin',
      body: subscriberInput,
      response: subscriber.extend({ signing_secret: z.string().nullable().describe("a webhook's Standard Webhooks secret (whsec_…), shown only here") }),
      status: 201,
    },
    async ({ ctx, actor, body }) => {
      const created = await createSubscriber(ctx, actor, body);
      return { ...shape(created.subscriber), signingSecret: created.signingSecret };
    },
  ),
  route(
    {
      method: 'post',
      path: '/subscribers/{id}/resume',
      summary: 'Resume a paused webhook or Slack subscription (its failure count starts again)',
      tag,
      scope: 'admin',
      params: idParams,
      response: subscriber,
    },
    async ({ ctx, actor, params }) => shape(await resumeSubscriber(ctx, actor, params.id)),
  ),
  route(
    {
      method: 'post',
      path: '/subscribers/import',
      summary: `Import up to 100 000 subscribers (a body of up to ${IMPORT_BODY_BYTES / 1024 / 1024} MB): a JSON array of subscriber objects, or text/csv with a header row (type,email,endpoint,component_ids,confirmed); all or nothing, each bad row reported by its index`,
      tag,
      scope: 'admin',
      body: z.array(subscriberInput).min(1).max(100_000),
      acceptsCsv: z.array(csvRow).min(1).max(100_000),
      maxBodyBytes: IMPORT_BODY_BYTES,
      response: z.object({ imported: z.int(), unchanged: z.int() }),
    },
    async ({ ctx, actor, body }) => importSubscribers(ctx, actor, body),
  ),
  route(
    { method: 'get', path: '/subscribers/{id}', summary: 'Get a subscriber', tag, scope: 'read', params: idParams, response: subscriber },
    async ({ ctx, params }) => shape(await getSubscriber(ctx, params.id)),
  ),
  route(
    {
      method: 'delete',
      path: '/subscribers/{id}',
      summary: 'Remove a subscriber (and what is still queued for them)',
      tag,
      scope: 'admin',
      params: idParams,
      status: 204,
    },
    async ({ ctx, actor, params }) => deleteSubscriber(ctx, actor, params.id),
  ),
];

const outboxTag = 'Outbox';
export const outboxRoutes = [
  route(
    {
      method: 'get',
      path: '/outbox',
      summary: 'Emails and webhook deliveries per status, and whether the email provider is refusing them',
      tag: outboxTag,
      scope: 'read',
      response: z.object({
        queued: z.int(),
        sending: z.int(),
        sent: z.int(),
        failed: z.int(),
        not_yet_queued: z.int().describe('recipients of large fan-outs in progress not queued yet (they are added a thousand at a time)'),
        provider_refusing_since: timestamp.nullable().describe('the email provider has refused every batch since then (null: it is taking them)'),
      }),
    },
    async ({ ctx }) => ({ ...(await outboxCounts(ctx)), providerRefusingSince: await providerFailingSince(ctx) }),
  ),
  route(
    {
      method: 'get',
      path: '/outbox/failed',
      summary: 'Emails that failed for good, with the reason',
      tag: outboxTag,
      scope: 'read',
      query: z.object({ limit, cursor: z.coerce.number().int().min(0).optional() }),
      response: page(
        z.object({
          id: z.int(),
          recipient: z.string(),
          event_key: z.string(),
          template: z.string(),
          attempts: z.int(),
          last_error: z.string().nullable(),
          created_at: timestamp,
        }),
      ),
    },
    async ({ ctx, query }) => failedMessages(ctx, query.limit, query.cursor),
  ),
  route(
    {
      method: 'post',
      path: '/outbox/retry',
      summary: 'Queue failed emails again (all, or the given ids)',
      tag: outboxTag,
      scope: 'admin',
      body: z.strictObject({ ids: z.array(z.int().positive()).max(10_000).optional() }),
      response: z.object({ queued: z.int() }),
    },
    async ({ ctx, body }) => ({ queued: await retryFailed(ctx, body.ids) }),
  ),
];
