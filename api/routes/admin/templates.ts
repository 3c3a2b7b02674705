import { deleteTemplate, getTemplate, listTemplates, saveTemplate } from '../../services/templates/templates.ts';
import { route } from '../define.ts';
import { idParams, page, template, templateInput } from './schemas.ts';

const tag = 'Incident templates';

export const templateRoutes = [
  route({ method: 'get', path: '/templates', summary: 'List incident templates', tag, scope: 'read', response: page(template) }, async ({ ctx }) => ({
    data: await listTemplates(ctx),
    nextCursor: null,
  })),
  route(
    {
      method: 'post',
      path: '/templates',
      summary: 'Create an incident template',
      tag,
      scope: 'incidents:write',
      body: templateInput,
      response: template,
      status: 201,
    },
    async ({ ctx, actor, body }) => saveTemplate(ctx, actor, body),
  ),
  route(
    { method: 'get', path: '/templates/{id}', summary: 'Get an incident template', tag, scope: 'read', params: idParams, response: template },
    async ({ ctx, params }) => getTemplate(ctx, params.id),
  ),
  route(
    {
      method: 'put',
      path: '/templates/{id}',
      summary: 'Replace an incident template',
      tag,
      scope: 'incidents:write',
      params: idParams,
      body: templateInput,
      response: template,
    },
    async ({ ctx, actor, params, body }) => saveTemplate(ctx, actor, body, params.id),
  ),
  route(
    { method: 'delete', path: '/templates/{id}', summary: 'Delete an incident template', tag, scope: 'incidents:write', params: idParams, status: 204 },
    async ({ ctx, actor, params }) => deleteTemplate(ctx, actor, params.id),
  ),
];
