// The subscribers a filter finds, as CSV in the import's format (type,email,endpoint,component_ids,confirmed),
// streamed page by page: a list of 100 000 is never held whole.
import type { APIRoute } from 'astro';
import { stringify } from 'csv-stringify/sync';
import { act, csvResponse, queryOf } from '../../../lib/console';
import type { Page } from '../../../../api/services/paging.ts';
import type { Subscriber } from '../../../../api/services/subscribers/save.ts';

export const GET: APIRoute = (Astro) => {
  const filters = queryOf(Astro.url, ['email', 'state', 'component_id']);
  const encoder = new TextEncoder();
  const rows = async (cursor?: string) => {
    const page = (await act(Astro, 'get /subscribers', { query: { ...filters, limit: '100', ...(cursor && { cursor }) } })) as Page<Subscriber>;
    const csv = stringify(page.data.map((s) => [s.type, s.email, s.endpoint ?? '', (s.componentIds ?? []).join(' '), s.confirmedAt ? 'true' : 'false']));
    return { bytes: encoder.encode(csv), next: page.nextCursor };
  };
  return csvResponse(async () => {
    // The first page is read before the answer starts: a filter the API refuses is its 4xx, not a file cut short.
    const first = await rows();
    let cursor = first.next;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(stringify([['type', 'email', 'endpoint', 'component_ids', 'confirmed']])));
        controller.enqueue(first.bytes);
      },
      async pull(controller) {
        if (cursor === null) return controller.close();
        const page = await rows(cursor);
        controller.enqueue(page.bytes);
        cursor = page.next;
      },
    });
  }, 'subscribers.csv');
};
