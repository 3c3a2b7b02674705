import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../domain/component/status.ts';
import { IMPACTS, INCIDENT_STATUSES, SEVERITIES, UPDATE_KINDS } from '../../domain/incident/lifecycle.ts';
import { MAINTENANCE_STATUSES, MAINTENANCE_UPDATE_STATUSES } from '../../domain/maintenance/lifecycle.ts';

export const id = z.string().min(1).max(64);
export const idParams = z.object({ id });
export const timestamp = z.iso.datetime({ offset: true });
const nullableTimestamp = timestamp.nullable();
const componentStatus = z.enum(COMPONENT_STATUSES);
export const severity = z.enum(SEVERITIES);
const incidentStatus = z.enum(INCIDENT_STATUSES);
const impact = z.enum(IMPACTS);
const name = z.string().trim().min(1, 'must not be empty').max(200);
const description = z.string().max(2000).nullable();
const position = z.int().min(0).max(100_000);
const markdown = z.string().trim().min(1, 'must not be empty').max(20_000);
/** Who the cadence watcher writes to: an email address. */
const contact = z.email('not an email address').max(320).nullable();
/** A page size: decimal digits only (`0x10` and `1e2` are not page sizes). */
export const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .default('25')
  .transform(Number)
  .pipe(z.int().min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100'));

/** Every list answers `{data, next_cursor}`; next_cursor is null on the last page. */
export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
export const pageQuery = z.object({
  limit,
  cursor: z.string().max(200).optional(),
});

export const groupInput = z.strictObject({ name, description: description.optional(), position: position.optional() });
export const groupPatch = groupInput.partial();
export const group = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  position: z.int(),
  components: z.array(id).describe('ids of the live components in the group'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const componentInput = z.strictObject({
  name,
  description: description.optional(),
  group_id: id.nullable().optional(),
  position: position.optional(),
  showcase: z.boolean().optional(),
  only_show_if_degraded: z.boolean().optional(),
  status: componentStatus.optional().describe('set by the operator; open incidents override it while they hold the component'),
  start_date: z.iso.date().nullable().optional(),
});
export const componentPatch = componentInput.partial();
export const component = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  group_id: id.nullable(),
  position: z.int(),
  showcase: z.boolean(),
  only_show_if_degraded: z.boolean(),
  status: componentStatus.describe('displayed status'),
  operator_status: componentStatus,
  start_date: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

const componentImpacts = z
  .array(z.strictObject({ id, status: componentStatus }))
  .max(500)
  .describe('components this update affects and the status each is at');

const updateFields = {
  body: markdown.describe('markdown; sanitised when rendered'),
  next_update_at: timestamp.optional().describe('promise the next update earlier than the cadence policy requires (never later: 422)'),
  components: componentImpacts.optional(),
  deliver_notifications: z.boolean().optional().describe('notify subscribers (default true)'),
  author: z.string().trim().min(1).max(200).nullable().optional(),
};

export const templateInput = z.strictObject({
  name,
  title: name,
  body: markdown.describe("the first update's message (markdown)"),
  severity,
  customer_visible: z.boolean().optional(),
  components: componentImpacts.optional(),
});
export const template = z.object({
  id,
  name: z.string(),
  title: z.string(),
  body: z.string(),
  severity,
  customer_visible: z.boolean(),
  components: z.array(z.object({ id, status: componentStatus })),
  created_at: timestamp,
  updated_at: timestamp,
});

export const declareInput = z.strictObject({
  title: name,
  severity,
  status: z.enum(['investigating', 'identified', 'monitoring']).optional(),
  started_at: timestamp.optional().describe('when the impact began; may be in the past, not the future'),
  impact_override: impact.nullable().optional(),
  customer_visible: z.boolean().optional().describe('SEV-3 incidents are public only when true'),
  commander: contact.optional(),
  escalation_contact: contact.optional(),
  ...updateFields,
});

export const updateInput = z.strictObject({ status: incidentStatus, ...updateFields });
export const noteInput = z.strictObject({ body: markdown.describe('markdown; internal') });
export const reopenInput = z.strictObject({
  status: z.enum(['investigating', 'identified', 'monitoring']),
  ...updateFields,
});
export const incidentPatch = z.strictObject({
  title: name.optional(),
  severity: severity.optional(),
  impact_override: impact.nullable().optional(),
  customer_visible: z.boolean().optional(),
  commander: contact.optional(),
  escalation_contact: contact.optional(),
});

export const incidentListQuery = pageQuery.extend({
  status: incidentStatus.optional(),
  state: z.enum(['open', 'resolved']).optional(),
  severity: severity.optional(),
});

const affectedComponent = z.object({ id, name: z.string(), old_status: componentStatus, new_status: componentStatus });
export const incidentUpdate = z.object({
  id,
  incident_id: id,
  kind: z.enum(UPDATE_KINDS),
  status: incidentStatus,
  severity,
  body: z.string(),
  created_at: timestamp,
  display_at: timestamp,
  author: z.string().nullable(),
  api_key_id: id.nullable(),
  deliver_notifications: z.boolean(),
  public: z.boolean().describe('whether the public saw this entry (fixed when posted: notes from an internal phase stay internal)'),
  affected_components: z.array(affectedComponent),
});
export const incident = z.object({
  id,
  title: z.string(),
  severity,
  status: incidentStatus,
  impact,
  impact_override: impact.nullable(),
  customer_visible: z.boolean(),
  published_at: nullableTimestamp.describe('when it became public; once set it stays public'),
  draft: z.boolean().describe('opened by an alert: internal until a person publishes it (POST /incidents/{id}/publish)'),
  started_at: timestamp,
  declared_at: timestamp,
  identified_at: nullableTimestamp,
  monitoring_at: nullableTimestamp,
  resolved_at: nullableTimestamp,
  next_update_due_at: nullableTimestamp,
  reopen_count: z.int(),
  commander: z.string().nullable(),
  escalation_contact: z.string().nullable(),
  postmortem_body: z.string().nullable(),
  postmortem_published_at: nullableTimestamp,
  postmortem_due_at: nullableTimestamp,
  components: z.array(z.object({ id, name: z.string(), status: componentStatus })),
  updates: z.array(incidentUpdate).describe('newest first'),
  created_at: timestamp,
  updated_at: timestamp,
});

const minutes = z.int().nullable();
const severityCadence = z.strictObject({
  first_update_minutes: minutes.describe('first public update within this long of declaration'),
  every_minutes: minutes.describe('then at least every this long'),
  customer_email_minutes: minutes.describe('affected customers emailed within this long'),
  postmortem_hours: z.int().nullable().describe('postmortem published within this long of resolution'),
});
export const cadencePolicy = z.strictObject({
  severities: z.strictObject({ 'SEV-1': severityCadence, 'SEV-2': severityCadence, 'SEV-3': severityCadence, 'SEV-4': severityCadence }),
  reminder_lead_minutes: z.int(),
  escalation_grace_minutes: z.int(),
});

const maintenanceStatus = z.enum(MAINTENANCE_STATUSES);
const maintenanceSettings = {
  component_ids: z.array(id).max(500).describe('components put under maintenance while it is in progress'),
  auto_start: z.boolean().describe('start it at scheduled_for (default true)'),
  auto_complete: z.boolean().describe('complete it at scheduled_until (default true)'),
  notify_on_start: z.boolean().describe('email subscribers when the clock starts it (default true)'),
  notify_on_complete: z.boolean().describe('email subscribers when the clock completes it (default true)'),
  remind_hours_before: z.int().min(1).max(168).nullable().describe('remind subscribers this many hours before the start; null: no reminder (default 24)'),
};
export const maintenanceInput = z.strictObject({
  title: name,
  body: markdown.describe('what will happen and what customers should expect; markdown'),
  scheduled_for: timestamp.describe('when the work starts; must be in the future'),
  scheduled_until: timestamp.describe('when it ends; after scheduled_for'),
  ...z.object(maintenanceSettings).partial().shape,
  deliver_notifications: z.boolean().optional().describe('announce it to subscribers now (default true)'),
  author: z.string().trim().min(1).max(200).nullable().optional(),
});
export const maintenancePatch = z.strictObject({
  title: name.optional(),
  scheduled_for: timestamp.optional().describe('only before the work begins; in the future'),
  scheduled_until: timestamp.optional().describe('in the future; may move while the work runs'),
  ...z.object(maintenanceSettings).partial().shape,
});
export const maintenanceUpdateInput = z.strictObject({
  status: z.enum(MAINTENANCE_UPDATE_STATUSES).describe('scheduled → in_progress ⇄ verifying → completed; the same status posts a note'),
  body: markdown,
  deliver_notifications: z.boolean().optional().describe('email subscribers (default true); started/completed go out once'),
  author: z.string().trim().min(1).max(200).nullable().optional(),
});
export const maintenanceCancelInput = z.strictObject({
  body: markdown.optional(),
  deliver_notifications: z.boolean().optional().describe('tell subscribers it is off (default true)'),
  author: z.string().trim().min(1).max(200).nullable().optional(),
});
export const maintenanceListQuery = pageQuery.extend({
  status: maintenanceStatus.optional(),
  state: z.enum(['upcoming', 'active', 'past']).optional(),
});
export const maintenanceUpdate = z.object({
  id,
  maintenance_id: id,
  status: maintenanceStatus,
  body: z.string(),
  created_at: timestamp,
  display_at: timestamp.describe('when it took effect: the scheduled time for the clock’s own updates'),
  author: z.string().nullable(),
  api_key_id: id.nullable(),
  deliver_notifications: z.boolean(),
  affected_components: z.array(affectedComponent),
});
export const maintenance = z.object({
  id,
  title: z.string(),
  status: maintenanceStatus,
  scheduled_for: timestamp,
  scheduled_until: timestamp,
  auto_start: z.boolean(),
  auto_complete: z.boolean(),
  notify_on_start: z.boolean(),
  notify_on_complete: z.boolean(),
  remind_hours_before: z.int().nullable(),
  reminded_at: nullableTimestamp,
  started_at: nullableTimestamp.describe('when the work began (left out of availability from here)'),
  completed_at: nullableTimestamp,
  cancelled_at: nullableTimestamp,
  components: z.array(z.object({ id, name: z.string(), status: componentStatus })),
  updates: z.array(maintenanceUpdate).describe('newest first'),
  created_at: timestamp,
  updated_at: timestamp,
});
