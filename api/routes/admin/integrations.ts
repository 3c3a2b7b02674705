import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../domain/component/status.ts';
import { DEFAULT_COMPONENT_LABEL, DEFAULT_MIN_HOLD_SECONDS, INTEGRATION_TYPES } from '../../domain/integrations/alerts.ts';
import { createIntegration, getIntegration, listIntegrations, updateIntegration, type Integration } from '../../services/integrations/integrations.ts';
import { route } from '../define.ts';
import { id, idParams, page, timestamp } from './schemas.ts';

const tag = 'Integrations';

const mapping = {
  component_label: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name')
    .max(100)
    .describe(`the alert label naming the component by id or name (default ${DEFAULT_COMPONENT_LABEL})`),
  severity_statuses: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'a severity in lower case (letters, digits, dashes)'), z.enum(COMPONENT_STATUSES))
    .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 20, 'between 1 and 20 severities')
    .describe('the `severity` label value → component status (default critical → major_outage, warning → partial_outage, info → degraded_performance)'),
  min_hold_seconds: z
    .int()
    .min(0)
    .max(86_400)
    .describe(
      `a status alerts set holds at least this long before alerts move it back (flapping; default ${DEFAULT_MIN_HOLD_SECONDS}); a worse status shows at once`,
    ),
  draft_incidents: z.boolean().describe('a firing alert opens a draft incident (internal) and responders are told; a person publishes it'),
};

const integrationInput = z.strictObject({
  type: z.enum(INTEGRATION_TYPES),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  component_label: mapping.component_label.optional(),
  severity_statuses: mapping.severity_statuses.optional(),
  min_hold_seconds: mapping.min_hold_seconds.optional(),
  draft_incidents: mapping.draft_incidents.optional(),
});

const integrationPatch = integrationInput
  .omit({ type: true })
  .partial()
  .extend({ disabled: z.boolean().optional().describe('true: its URL answers 401 until enabled again') });

const integration = z.object({
  id,
  type: z.enum(INTEGRATION_TYPES),
  name: z.string(),
  component_label: z.string(),
  severity_statuses: z.record(z.string(), z.enum(COMPONENT_STATUSES)),
  min_hold_seconds: z.int(),
  draft_incidents: z.boolean(),
  disabled_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

/** The path an alert source posts to (the token is only known to whoever created it). */
const integrationPath = (i: Pick<Integration, 'type'>, token: string) => `/api/integrations/${i.type}/${token}`;

export const integrationRoutes = [
  route({ method: 'get', path: '/integrations', summary: 'List alert integrations', tag, scope: 'read', response: page(integration) }, async ({ ctx }) => ({
    data: await listIntegrations(ctx),
    nextCursor: null,
  })),
  route(
    {
      method: 'post',
      path: '/integrations',
      summary: 'Create an alert integration (Alertmanager or Grafana); the answer carries its token and URL path, shown only here',
      tag,
      scope: 'admin',
      body: integrationInput,
      response: integration.extend({ token: z.string(), url_path: z.string().describe('POST alerts here, on this page’s origin') }),
      status: 201,
    },
    async ({ ctx, actor, body }) => {
      const created = await createIntegration(ctx, actor, body);
      return { ...created.integration, token: created.token, urlPath: integrationPath(created.integration, created.token) };
    },
  ),
  route(
    { method: 'get', path: '/integrations/{id}', summary: 'Get an alert integration', tag, scope: 'read', params: idParams, response: integration },
    async ({ ctx, params }) => getIntegration(ctx, params.id),
  ),
  route(
    {
      method: 'patch',
      path: '/integrations/{id}',
      summary: 'Change an alert integration’s name or mapping, or disable it',
      tag,
      scope: 'admin',
      params: idParams,
      body: integrationPatch,
      response: integration,
    },
    async ({ ctx, actor, params, body }) => updateIntegration(ctx, actor, params.id, body),
  ),
];
