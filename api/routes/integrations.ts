import type { Hono } from 'hono';
import { z } from 'zod';
import { ValidationFailed } from '../domain/errors.ts';
import type { Alert, IntegrationType } from '../domain/integrations/alerts.ts';
import { HttpProblem } from '../problem.ts';
import type { ServiceContext } from '../services/context.ts';
import { receiveAlerts } from '../services/integrations/alerts.ts';
import { integrationForToken } from '../services/integrations/integrations.ts';
import { limitBody } from './body-limit.ts';
import type { AppEnv } from './env.ts';
import { toApiJson } from './json-case.ts';

// Alertmanager caps a notification at `max_alerts` (default: all); a thousand alerts is well under this.
const ALERTS_BODY_BYTES = 2 * 1024 * 1024;

const labels = z.record(z.string(), z.string());
/** One alert, as Alertmanager (webhook payload version 4) and Grafana alerting both send it. */
const alert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  fingerprint: z.string().min(1).max(200),
});
const payloads: Record<IntegrationType, z.ZodType<{ alerts: z.infer<typeof alert>[] }>> = {
  alertmanager: z.object({ version: z.literal('4', 'Alertmanager webhook payload version 4'), alerts: z.array(alert).max(5000) }),
  grafana: z.object({ alerts: z.array(alert).max(5000) }),
};

/**
 * `POST /api/integrations/{alertmanager|grafana}/{token}`: an alert source moves components.
 * The token in the path is the credential (alert sources send no API key); an unknown or
 * disabled one is 401; a payload that is not the source's is 422 naming the field.
 */
export function mountIntegrationRoutes(app: Hono<AppEnv>, ctx: ServiceContext): void {
  app.post('/api/integrations/:type/:token', limitBody(ALERTS_BODY_BYTES), async (c) => {
    const type = c.req.param('type');
    if (type !== 'alertmanager' && type !== 'grafana') throw new HttpProblem('unauthorized', `No alert integration of type "${type}"`);
    const integration = await integrationForToken(ctx, type, c.req.param('token'));
    if (!integration) throw new HttpProblem('unauthorized', `No enabled ${type} integration has this URL`);
    let json: unknown;
    try {
      json = await c.req.json();
    } catch (err) {
      throw new HttpProblem('malformed_json', 'The body is not valid JSON', [{ path: '$', message: (err as Error).message }]);
    }
    const parsed = payloads[type].safeParse(json);
    if (!parsed.success) throw new ValidationFailed(parsed.error.issues.map((i) => ({ path: i.path.join('.') || '$', message: i.message })));
    const alerts: Alert[] = parsed.data.alerts.map((a) => ({ ...a, startsAt: new Date(a.startsAt) }));
    const result = await receiveAlerts(ctx, integration, alerts);
    return c.json(toApiJson(result) as object);
  });
}
