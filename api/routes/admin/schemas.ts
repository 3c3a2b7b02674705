import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../domain/component/status.ts';
import { IMPACTS, INCIDENT_STATUSES, SEVERITIES, UPDATE_KINDS } from '../../domain/incident/lifecycle.ts';

export const id = z.string().min(1).max(64);
export const idParams = z.object({ id });
export const timestamp = z.iso.datetime({ offset: true });
export const nullableTimestamp = timestamp.nullable();
export const componentStatus = z.enum(COMPONENT_STATUSES);
export const severity = z.enum(SEVERITIES);
export const incidentStatus = z.enum(INCIDENT_STATUSES);
export const impact = z.enum(IMPACTS);
const name = z.string().trim().min(1, 'must not be empty').max(200);
const description = z.string().max(2000).nullable();
const position = z.int().min(0).max(100_000);
const markdown = z.string().trim().min(1, 'must not be empty').max(20_000);
const contact = z.string().trim().min(1).max(320).nullable();

/** Every list answers `{data, next_cursor}`; next_cursor is null on the last page. */
export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
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
