import { createComponent } from '../../services/components/create.ts';
import { deleteComponent } from '../../services/components/delete.ts';
import { getComponent, listComponents } from '../../services/components/list.ts';
import { updateComponent } from '../../services/components/update.ts';
import { route } from '../define.ts';
import { component, componentInput, componentPatch, idParams, page } from './schemas.ts';

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
