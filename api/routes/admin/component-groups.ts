import { createComponentGroup } from '../../services/component-groups/create.ts';
import { deleteComponentGroup } from '../../services/component-groups/delete.ts';
import { getComponentGroup, listComponentGroups } from '../../services/component-groups/list.ts';
import { updateComponentGroup } from '../../services/component-groups/update.ts';
import { route } from '../define.ts';
import { group, groupInput, groupPatch, idParams, page } from './schemas.ts';

const tag = 'Component groups';
// The API calls a group's members `components` (as Statuspage does).
const shape = <T extends { componentIds: string[] }>({ componentIds, ...g }: T) => ({ ...g, components: componentIds });

export const componentGroupRoutes = [
  route({ method: 'get', path: '/component-groups', summary: 'List component groups', tag, scope: 'read', response: page(group) }, async ({ ctx }) => ({
    data: (await listComponentGroups(ctx)).map(shape),
    nextCursor: null,
  })),
  route(
    { method: 'post', path: '/component-groups', summary: 'Create a component group', tag, scope: 'admin', body: groupInput, response: group, status: 201 },
    async ({ ctx, actor, body }) => shape(await createComponentGroup(ctx, actor, body)),
  ),
  route(
    { method: 'get', path: '/component-groups/{id}', summary: 'Get a component group', tag, scope: 'read', params: idParams, response: group },
    async ({ ctx, params }) => shape(await getComponentGroup(ctx, params.id)),
  ),
  route(
    {
      method: 'patch',
      path: '/component-groups/{id}',
      summary: 'Update a component group',
      tag,
      scope: 'admin',
      params: idParams,
      body: groupPatch,
      response: group,
    },
    async ({ ctx, actor, params, body }) => shape(await updateComponentGroup(ctx, actor, params.id, body)),
  ),
  route(
    {
      method: 'delete',
      path: '/component-groups/{id}',
      summary: 'Delete a component group (its components become ungrouped)',
      tag,
      scope: 'admin',
      params: idParams,
      status: 204,
    },
    async ({ ctx, actor, params }) => deleteComponentGroup(ctx, actor, params.id),
  ),
];
