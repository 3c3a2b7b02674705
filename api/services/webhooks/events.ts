import { eq } from 'drizzle-orm';
import { incidentUpdates } from '../../../db/schema/index.ts';
import { webhookPayload, type WebhookSubject } from '../../public/statuspage.ts';
import type { ServiceContext } from '../context.ts';
import { getPublicIncident } from '../public/incidents.ts';
import { getMaintenance } from '../maintenances/get.ts';
import type { SubscriptionSettings } from '../subscribers/links.ts';
import { incidentSlackEvent, maintenanceSlackEvent, slackMessage } from './slack.ts';

/** One event's bodies: the Statuspage-shaped JSON (with each subscriber's own `meta`) and Slack's, if Slack hears of it. */
export interface WebhookEventBodies {
  json(unsubscribeUrl: string): string;
  slack: string | null;
}

/** Where a webhook's receiver reads what the payload holds and how to check its signature. */
const webhookDocumentation = (publicUrl: string) => `${publicUrl}/subscribe#webhooks`;

/** Builds an outbox row's event into webhook bodies, from the public record only. */
export async function webhookEvent(
  ctx: ServiceContext,
  settings: SubscriptionSettings,
  row: { eventKey: string; template: string; payload: Record<string, string> | null },
): Promise<WebhookEventBodies> {
  const page = { name: settings.pageName, url: settings.publicUrl };
  const p = row.payload ?? {};
  let subject: WebhookSubject;
  let slack: Record<string, unknown> | null = null;
  let candor: Record<string, unknown>;
  if (row.template === 'incident-update') {
    const updateId = row.eventKey.slice('incident_update:'.length);
    const update = await ctx.database.db.select({ incidentId: incidentUpdates.incidentId }).from(incidentUpdates).where(eq(incidentUpdates.id, updateId)).get();
    if (!update) throw new Error(`no incident update ${updateId}`);
    const incident = await getPublicIncident(ctx, update.incidentId);
    subject = { kind: 'incident', incident };
    slack = slackMessage(incidentSlackEvent(incident, updateId, `${settings.publicUrl}/incidents/${incident.id}`));
    candor = { event: 'incident.update', incident_update_id: updateId };
  } else if (row.template === 'maintenance') {
    const maintenance = await getMaintenance(ctx, p.maintenance_id ?? '');
    subject = { kind: 'maintenance', maintenance };
    slack = slackMessage(maintenanceSlackEvent(maintenance, p.update_id ?? null, `${settings.publicUrl}/maintenances/${maintenance.id}`));
    candor = { event: 'maintenance.update', maintenance_email: p.kind ?? null, maintenance_update_id: p.update_id ?? null };
  } else if (row.template === 'component-update') {
    subject = {
      kind: 'component',
      id: row.eventKey.slice('component_update:'.length),
      componentId: p.component_id ?? '',
      oldStatus: p.old_status ?? '',
      newStatus: p.new_status ?? '',
      at: new Date(p.at ?? 0),
    };
    candor = { event: 'component.update' };
  } else {
    throw new Error(`${row.template} is not a webhook event`);
  }
  // Everything after `meta` is the same for every subscriber: serialised once.
  const shared = JSON.stringify({ ...(await webhookPayload(ctx, page, subject)), candor });
  const documentation = webhookDocumentation(settings.publicUrl);
  return {
    json: (unsubscribe) => `{"meta":${JSON.stringify({ unsubscribe, documentation })},${shared.slice(1)}`,
    slack: slack && JSON.stringify(slack),
  };
}
