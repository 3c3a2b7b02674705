import { ValidationFailed } from '../domain/errors.ts';

/** One page of a list, and the cursor of the next (null on the last page). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

// Cursors are opaque to clients: the sort key (a time and an id) of the last item returned.
export const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.getTime()}:${id}`).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const at = Number(ms);
  if (!id || !Number.isSafeInteger(at)) throw new ValidationFailed([{ path: 'cursor', message: 'not a cursor this API returned' }]);
  return { at: new Date(at), id };
}
