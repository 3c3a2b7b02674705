import { publication } from '../../domain/incident/lifecycle.ts';
import { eq, inArray } from 'drizzle-orm';
import { customers, outbox } from '../../../db/schema/index.ts';
import { renderMarkdown } from '../../markdown.ts';
import type { IncidentStatus } from '../../domain/incident/lifecycle.ts';
import type { ServiceContext } from '../context.ts';
import { customerEmail } from '../customers/emails.ts';
import { incidentCustomers } from '../customers/notify.ts';
import { countIncidentAudience } from '../outbox/fan-out.ts';
import { getIncident } from './get.ts';
import { customerEmailOwed, type ComponentImpact } from './record-update.ts';

export interface UpdatePreview {
  /** The text as the public page will show it; null: the incident is internal, nothing is public. */
  publicHtml: string | null;
  /** How many subscribers get an email (0 when notifications are off or the incident is internal). */
  subscribers: number;
  /** Customers with an SLA who get an email, with the email as it will read. */
  customers: { id: string; name: string; recipients: string[]; subject: string; text: string }[];
}

/**
 * What posting an update would send, before it is sent: computed by the same audience queries
 * as the fan-out, the same rule for customer emails and the same email renderer.
 */
export async function previewUpdate(
  ctx: ServiceContext,
  site: { pageName: string; publicUrl: string },
  incidentId: string,
  input: { status: IncidentStatus; body: string; components?: ComponentImpact[]; deliverNotifications?: boolean },
): Promise<UpdatePreview> {
  const read = await getIncident(ctx, incidentId);
  // A draft's update publishes it: previewed as public from now.
  const incident = read.draft ? { ...read, publishedAt: publication(null, read.severity, read.customerVisible, ctx.now()) } : read;
  const published = incident.publishedAt !== null;
  const ids = (input.components ?? []).map((c) => c.id);
  const subscribers = published && (input.deliverNotifications ?? true) ? await countIncidentAudience(ctx.database, incidentId, ids) : 0;
  const owed = await customerEmailOwed(ctx, { ...incident, incidentId, kind: 'status', status: input.status, published });
  const reached: UpdatePreview['customers'] = [];
  if (owed) {
    const audience = await incidentCustomers(ctx.database, incidentId, ids);
    const rows = audience.length
      ? await ctx.database.db
          .select({ id: customers.id, contacts: customers.contacts })
          .from(customers)
          .where(
            inArray(
              customers.id,
              audience.map((c) => c.id),
            ),
          )
      : [];
    // Each contact hears of each event once: who was already told is not told again.
    const told = new Set(
      (await ctx.database.db.select({ recipient: outbox.recipient }).from(outbox).where(eq(outbox.eventKey, owed.eventKey))).map((r) => r.recipient),
    );
    const contacts = new Map(rows.map((r) => [r.id, r.contacts]));
    const kind = owed.template === 'customer-notice' ? 'notice' : 'resolution';
    for (const c of audience) {
      const recipients = (contacts.get(c.id) ?? []).filter((r) => !told.has(r));
      if (!recipients.length) continue;
      const email = await customerEmail(ctx, { customerId: c.id, incidentId, kind }, site, { body: input.body, resolves: input.status === 'resolved' });
      reached.push({ id: c.id, name: c.name, recipients, subject: email.subject, text: email.text });
    }
  }
  return { publicHtml: published ? renderMarkdown(input.body) : null, subscribers, customers: reached };
}
