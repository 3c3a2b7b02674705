import { addNote } from '../../services/incidents/add-note.ts';
import { declareIncident } from '../../services/incidents/declare.ts';
import { getIncident } from '../../services/incidents/get.ts';
import { listIncidents } from '../../services/incidents/list.ts';
import { postIncidentUpdate } from '../../services/incidents/post-update.ts';
import { reopenIncident } from '../../services/incidents/reopen.ts';
import { updateIncident } from '../../services/incidents/update.ts';
import { loadCadencePolicy, saveCadencePolicy } from '../../services/policy.ts';
import { z } from 'zod';
import { savePostmortem } from '../../services/incidents/postmortem.ts';
import { communicationReportFor } from '../../services/reports/communication.ts';
import { route } from '../define.ts';
import {
  cadencePolicy,
  declareInput,
  id,
  severity,
  idParams,
  incident,
  incidentListQuery,
  incidentPatch,
  incidentUpdate,
  noteInput,
  page,
  reopenInput,
  updateInput,
} from './schemas.ts';

const tag = 'Incidents';
const toDate = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

/** Posting an update, and publishing a draft with one: the same input, rules and answer. */
function postUpdateRoute(action: 'updates' | 'publish', summary: string, options: { publish?: boolean }) {
  return route(
    {
      method: 'post',
      path: `/incidents/{id}/${action}`,
      summary,
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: updateInput,
      response: incident,
      status: 201,
    },
    async ({ ctx, actor, params, body }) => postIncidentUpdate(ctx, actor, params.id, { ...body, nextUpdateAt: toDate(body.nextUpdateAt) }, options),
  );
}

export const incidentRoutes = [
  route(
    { method: 'get', path: '/incidents', summary: 'List incidents, newest first', tag, scope: 'read', query: incidentListQuery, response: page(incident) },
    async ({ ctx, query }) => listIncidents(ctx, query),
  ),
  route(
    {
      method: 'post',
      path: '/incidents',
      summary: 'Declare an incident with its first update',
      tag,
      scope: 'incidents:write',
      body: declareInput,
      response: incident,
      status: 201,
    },
    async ({ ctx, actor, body }) => declareIncident(ctx, actor, { ...body, startedAt: toDate(body.startedAt), nextUpdateAt: toDate(body.nextUpdateAt) }),
  ),
  route(
    {
      method: 'get',
      path: '/incidents/{id}',
      summary: 'Get an incident with its updates (newest first)',
      tag,
      scope: 'read',
      params: idParams,
      response: incident,
    },
    async ({ ctx, params }) => getIncident(ctx, params.id),
  ),
  route(
    {
      method: 'patch',
      path: '/incidents/{id}',
      summary: 'Edit title, severity (recorded on the timeline), impact override, contacts',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: incidentPatch,
      response: incident,
    },
    async ({ ctx, actor, params, body }) => updateIncident(ctx, actor, params.id, body),
  ),
  route(
    {
      method: 'get',
      path: '/incidents/{id}/updates',
      summary: "List an incident's updates, newest first",
      tag,
      scope: 'read',
      params: idParams,
      response: page(incidentUpdate),
    },
    async ({ ctx, params }) => ({ data: (await getIncident(ctx, params.id)).updates, nextCursor: null }),
  ),
  postUpdateRoute('updates', 'Post an update; resolving releases the components', {}),
  postUpdateRoute('publish', 'Publish a draft with its first public update, in your own words (409 when it is not a draft)', { publish: true }),
  route(
    {
      method: 'post',
      path: '/incidents/{id}/notes',
      summary: "Add a responders' note: internal, never public, no email, deadline unchanged",
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: noteInput,
      response: incident,
      status: 201,
    },
    async ({ ctx, actor, params, body }) => addNote(ctx, actor, params.id, body),
  ),
  route(
    {
      method: 'post',
      path: '/incidents/{id}/reopen',
      summary: 'Reopen a resolved incident (once, within the reopen window)',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: reopenInput,
      response: incident,
      status: 201,
    },
    async ({ ctx, actor, params, body }) => reopenIncident(ctx, actor, params.id, { ...body, nextUpdateAt: toDate(body.nextUpdateAt) }),
  ),
];

export const postmortemRoute = route(
  {
    method: 'put',
    path: '/incidents/{id}/postmortem',
    summary: "Save a resolved incident's postmortem; publish: true shows it publicly (Statuspage status `postmortem`)",
    tag,
    scope: 'incidents:write',
    params: idParams,
    body: z.strictObject({ body: z.string().trim().min(1, 'must not be empty').max(60_000), publish: z.boolean().default(true) }),
    response: incident,
  },
  async ({ ctx, actor, params, body }) => savePostmortem(ctx, actor, params.id, body),
);

export const policyRoutes = [
  route(
    { method: 'get', path: '/policy', summary: 'The update cadence policy per severity', tag: 'Policy', scope: 'read', response: cadencePolicy },
    async ({ ctx }) => loadCadencePolicy(ctx),
  ),
  route(
    {
      method: 'put',
      path: '/policy',
      summary: 'Replace the update cadence policy (validated)',
      tag: 'Policy',
      scope: 'admin',
      body: cadencePolicy,
      response: cadencePolicy,
    },
    async ({ ctx, actor, body }) => saveCadencePolicy(ctx, actor, body),
  ),
];

const reportNumbers = z.object({ median: z.number().nullable(), p90: z.number().nullable() });
export const reportRoute = route(
  {
    method: 'get',
    path: '/reports/communication',
    summary: 'On-time public communication per severity and per incident (default: the last 30 days)',
    tag: 'Reports',
    scope: 'read',
    query: z.object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
    response: z.object({
      from: z.string(),
      to: z.string(),
      by_severity: z.array(
        z.object({
          severity,
          incidents: z.int(),
          minutes_to_first_public_update: reportNumbers.describe('from the impact start (started_at)'),
          first_updates_on_time: z.int(),
          first_updates_late: z.int().describe('first public update later than the first-update window after the impact start'),
          updates_on_time: z.int(),
          updates_late: z.int(),
          on_time_share: z.number().nullable(),
          worst_lateness_minutes: reportNumbers.extend({ max: z.number().nullable() }),
          postmortems_on_time: z.int(),
          postmortems_late: z.int(),
        }),
      ),
      incidents: z.array(
        z.object({
          id,
          title: z.string(),
          severity,
          started_at: z.string(),
          declared_at: z.string(),
          published_at: z.string().nullable().describe('when it became public'),
          resolved_at: z.string().nullable(),
          minutes_to_declare: z.number().describe('from the impact start to declaration, rounded up to a tenth'),
          minutes_to_first_public_update: z.number().nullable().describe('from the impact start, rounded up to a tenth'),
          first_public_update_on_time: z
            .boolean()
            .nullable()
            .describe("within the severity's first-update window of the impact start; null while still possible"),
          public_updates: z.int(),
          updates_on_time: z.int().describe('deadlines met by a public update'),
          updates_late: z.int().describe('deadlines missed: answered late, or re-planned (a severity change) after they had passed'),
          overdue_now_minutes: z.number().nullable(),
          worst_lateness_minutes: z.number(),
          postmortem_due_at: z.string().nullable(),
          postmortem_published_at: z.string().nullable(),
          postmortem_on_time: z.boolean().nullable(),
          customer_email_on_time: z.boolean().nullable().describe('affected customers emailed within the severity deadline; null when none was owed (yet)'),
        }),
      ),
    }),
  },
  async ({ ctx, query }) => {
    const to = query.to ? new Date(query.to) : ctx.now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 24 * 60 * 60 * 1000);
    return communicationReportFor(ctx, from, to);
  },
);
