import { declareIncident } from '../../services/incidents/declare.ts';
import { getIncident } from '../../services/incidents/get.ts';
import { listIncidents } from '../../services/incidents/list.ts';
import { postIncidentUpdate } from '../../services/incidents/post-update.ts';
import { reopenIncident } from '../../services/incidents/reopen.ts';
import { updateIncident } from '../../services/incidents/update.ts';
import { loadCadencePolicy, saveCadencePolicy } from '../../services/policy.ts';
import { route } from '../define.ts';
import {
  cadencePolicy,
  declareInput,
  idParams,
  incident,
  incidentListQuery,
  incidentPatch,
  incidentUpdate,
  page,
  reopenInput,
  updateInput,
} from './schemas.ts';

const tag = 'Incidents';
const toDate = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

export const incidentRoutes = [
  route(
    { method: 'get', path: '/incidents', summary: 'List incidents, newest first', tag, scope: 'read', query: incidentListQuery, response: page(incident) },
    async ({ ctx, query }) => listIncidents(ctx, query),
  ),
  route(
    { method: 'post', path: '/incidents', summary: 'Declare an incident with its first update', tag, scope: 'incidents:write', body: declareInput, response: incident, status: 201 },
    async ({ ctx, actor, body }) => declareIncident(ctx, actor, { ...body, startedAt: toDate(body.startedAt), nextUpdateAt: toDate(body.nextUpdateAt) }),
  ),
  route({ method: 'get', path: '/incidents/{id}', summary: 'Get an incident with its updates (newest first)', tag, scope: 'read', params: idParams, response: incident }, async ({ ctx, params }) =>
    getIncident(ctx, params.id),
  ),
  route(
    { method: 'patch', path: '/incidents/{id}', summary: 'Edit title, severity (recorded on the timeline), impact override, contacts', tag, scope: 'incidents:write', params: idParams, body: incidentPatch, response: incident },
    async ({ ctx, actor, params, body }) => updateIncident(ctx, actor, params.id, body),
  ),
  route(
    { method: 'get', path: '/incidents/{id}/updates', summary: "List an incident's updates, newest first", tag, scope: 'read', params: idParams, response: page(incidentUpdate) },
    async ({ ctx, params }) => ({ data: (await getIncident(ctx, params.id)).updates, nextCursor: null }),
  ),
  route(
    { method: 'post', path: '/incidents/{id}/updates', summary: 'Post an update; resolving releases the components', tag, scope: 'incidents:write', params: idParams, body: updateInput, response: incident, status: 201 },
    async ({ ctx, actor, params, body }) => postIncidentUpdate(ctx, actor, params.id, { ...body, nextUpdateAt: toDate(body.nextUpdateAt) }),
  ),
  route(
    { method: 'post', path: '/incidents/{id}/reopen', summary: 'Reopen a resolved incident (once, within the reopen window)', tag, scope: 'incidents:write', params: idParams, body: reopenInput, response: incident, status: 201 },
    async ({ ctx, actor, params, body }) => reopenIncident(ctx, actor, params.id, { ...body, nextUpdateAt: toDate(body.nextUpdateAt) }),
  ),
];

export const policyRoutes = [
  route({ method: 'get', path: '/policy', summary: 'The update cadence policy per severity', tag: 'Policy', scope: 'read', response: cadencePolicy }, async ({ ctx }) => loadCadencePolicy(ctx)),
  route(
    { method: 'put', path: '/policy', summary: 'Replace the update cadence policy (validated)', tag: 'Policy', scope: 'admin', body: cadencePolicy, response: cadencePolicy },
    async ({ ctx, actor, body }) => saveCadencePolicy(ctx, actor, body),
  ),
];
