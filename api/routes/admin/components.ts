import { createComponent } from '../../services/components/create.ts';
import { deleteComponent } from '../../services/components/delete.ts';
import { componentTimeline, getComponent, listComponents } from '../../services/components/list.ts';
import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../domain/component/status.ts';
import { updateComponent } from '../../services/components/update.ts';
import { route } from '../define.ts';
import { component, componentInput, componentPatch, idParams, limit, page, timestamp } from './schemas.ts';

const tag = 'Components';

export const componentRoutes = [
  route({ method: 'get', path: '/components', summary: 'List components', tag, scope: 'read', response: page(component) }, async ({ ctx }) => ({
    data: await listComponents(ctx),
    nextCursor: null,
  })),
  route(
    { method: 'post', path: '/components', summary: 'Create a component', tag, scope: 'admin', body: componentInput, response: component, status: 201 },
    async ({ ctx, actor, body }) => createComponent(ctx, actor, body),
  ),
  route(
    { method: 'get', path: '/components/{id}', summary: 'Get a component', tag, scope: 'read', params: idParams, response: component },
    async ({ ctx, params }) => getComponent(ctx, params.id),
  ),
  route(
    {
      method: 'get',
      path: '/components/{id}/timeline',
      summary: "A component's status intervals, newest first, each with what set it",
      tag,
      scope: 'read',
      params: idParams,
      query: z.object({ limit }),
      response: z.object({
        data: z.array(
          z.object({
            status: z.enum(COMPONENT_STATUSES),
            started_at: timestamp,
            ended_at: timestamp.nullable(),
            incident_id: z.string().nullable().describe('the incident whose update set it'),
            source: z.string().nullable().describe('what else set it: `integration:<id>` for an alert; null: an operator or a maintenance'),
          }),
        ),
      }),
    },
    async ({ ctx, params, query }) => ({ data: await componentTimeline(ctx, params.id, query.limit) }),
  ),
  route(
    {
      method: 'patch',
      path: '/components/{id}',
      summary: 'Update a component (a status set here shows while no open incident holds it)',
      tag,
      scope: 'admin',
      params: idParams,
      body: componentPatch,
      response: component,
    },
    async ({ ctx, actor, params, body }) => updateComponent(ctx, actor, params.id, body),
  ),
  route(
    {
      method: 'delete',
      path: '/components/{id}',
      summary: 'Delete a component (409 while an open incident affects it)',
      tag,
      scope: 'admin',
      params: idParams,
      status: 204,
    },
    async ({ ctx, actor, params }) => deleteComponent(ctx, actor, params.id),
  ),
];
