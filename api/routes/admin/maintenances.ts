import { cancelMaintenance } from '../../services/maintenances/cancel.ts';
import { editMaintenance } from '../../services/maintenances/edit.ts';
import { getMaintenance } from '../../services/maintenances/get.ts';
import { listMaintenances } from '../../services/maintenances/list.ts';
import { postMaintenanceUpdate } from '../../services/maintenances/post-update.ts';
import { scheduleMaintenance } from '../../services/maintenances/schedule.ts';
import { route } from '../define.ts';
import {
  idParams,
  maintenance,
  maintenanceCancelInput,
  maintenanceInput,
  maintenanceListQuery,
  maintenancePatch,
  maintenanceUpdate,
  maintenanceUpdateInput,
  page,
} from './schemas.ts';

const tag = 'Maintenances';
const toDate = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

export const maintenanceRoutes = [
  route(
    {
      method: 'get',
      path: '/maintenances',
      summary: 'List maintenances, latest start first',
      tag,
      scope: 'read',
      query: maintenanceListQuery,
      response: page(maintenance),
    },
    async ({ ctx, query }) => listMaintenances(ctx, query),
  ),
  route(
    {
      method: 'post',
      path: '/maintenances',
      summary: 'Schedule a maintenance and announce it',
      tag,
      scope: 'incidents:write',
      body: maintenanceInput,
      response: maintenance,
      status: 201,
    },
    async ({ ctx, actor, body }) =>
      scheduleMaintenance(ctx, actor, { ...body, scheduledFor: new Date(body.scheduledFor), scheduledUntil: new Date(body.scheduledUntil) }),
  ),
  route(
    {
      method: 'get',
      path: '/maintenances/{id}',
      summary: 'Get a maintenance with its updates (newest first)',
      tag,
      scope: 'read',
      params: idParams,
      response: maintenance,
    },
    async ({ ctx, params }) => getMaintenance(ctx, params.id),
  ),
  route(
    {
      method: 'patch',
      path: '/maintenances/{id}',
      summary: 'Edit title, window, components, automation and reminder (the start and components only before it begins)',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: maintenancePatch,
      response: maintenance,
    },
    async ({ ctx, actor, params, body }) =>
      editMaintenance(ctx, actor, params.id, { ...body, scheduledFor: toDate(body.scheduledFor), scheduledUntil: toDate(body.scheduledUntil) }),
  ),
  route(
    {
      method: 'get',
      path: '/maintenances/{id}/updates',
      summary: "List a maintenance's updates, newest first",
      tag,
      scope: 'read',
      params: idParams,
      response: page(maintenanceUpdate),
    },
    async ({ ctx, params }) => ({ data: (await getMaintenance(ctx, params.id)).updates, nextCursor: null }),
  ),
  route(
    {
      method: 'post',
      path: '/maintenances/{id}/updates',
      summary: 'Post an update: start, verify, complete, or a note',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: maintenanceUpdateInput,
      response: maintenance,
      status: 201,
    },
    async ({ ctx, actor, params, body }) => postMaintenanceUpdate(ctx, actor, params.id, body),
  ),
  route(
    {
      method: 'post',
      path: '/maintenances/{id}/cancel',
      summary: 'Cancel a maintenance that has not begun',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: maintenanceCancelInput,
      response: maintenance,
    },
    async ({ ctx, actor, params, body }) => cancelMaintenance(ctx, actor, params.id, body),
  ),
];
