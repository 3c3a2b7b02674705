// The subscribers a filter finds, as CSV in the import's format (type,email,endpoint,component_ids,confirmed),
// streamed page by page: a list of 100 000 is never held whole.
import type { APIRoute } from 'astro';
import { stringify } from 'csv-stringify/sync';
import { act, queryOf } from '../../../lib/console';
import type { Page } from '../../../../api/services/paging.ts';
import type { Subscriber } from '../../../../api/services/subscribers/save.ts';

export const GET: APIRoute = (Astro) => {
  const filters = queryOf(Astro.url, ['email', 'state', 'component_id']);
  const encoder = new TextEncoder();
  let cursor: string | null | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(stringify([['type', 'email', 'endpoint', 'component_ids', 'confirmed']])));
    },
    async pull(controller) {
      if (cursor === null) return controller.close();
      const page = (await act(Astro, 'get /subscribers', { query: { ...filters, limit: '100', ...(cursor && { cursor }) } })) as Page<Subscriber>;
      controller.enqueue(
        encoder.encode(
          stringify(page.data.map((s) => [s.type, s.email, s.endpoint ?? '', (s.componentIds ?? []).join(' '), s.confirmedAt ? 'true' : 'false'])),
        ),
      );
      cursor = page.nextCursor;
    },
  });
  return new Response(body, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="subscribers.csv"' },
  });
};
