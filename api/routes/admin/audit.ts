import { z } from 'zod';
import { listAudit } from '../../services/audit.ts';
import { route } from '../define.ts';
import { id, page, pageQuery, timestamp } from './schemas.ts';

export const auditRoutes = [
  route(
    {
      method: 'get',
      path: '/audit',
      summary: 'The audit log, newest first: who (user or API key) did what to which resource',
      tag: 'Audit',
      scope: 'admin',
      query: pageQuery.extend({
        actor: z.string().max(320).optional().describe("a user's email or an API key's name"),
        action: z.string().max(100).optional().describe('an action (`incident.update`), or a prefix ending in a dot (`incident.`)'),
        resource_type: z.string().max(50).optional(),
        resource_id: id.optional(),
        from: timestamp.optional(),
        to: timestamp.optional(),
      }),
      response: page(
        z.object({
          id,
          at: timestamp,
          actor: z.string(),
          user_id: id.nullable(),
          api_key_id: id.nullable(),
          action: z.string(),
          resource_type: z.string(),
          resource_id: z.string(),
          detail: z.unknown(),
          request_id: z.string().nullable(),
        }),
      ),
    },
    async ({ ctx, query }) => listAudit(ctx, { ...query, from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined }),
  ),
];
