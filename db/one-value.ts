import { Column, is, sql, type SQLWrapper } from 'drizzle-orm';
import type { Drizzle, Statement } from './client.ts';

/** A select whose selection is flat, each key a column (as `db.select()` of one table). */
export interface FlatSelect<T> extends SQLWrapper, PromiseLike<T[]> {
  readonly _: { readonly selectedFields: Record<string, unknown> };
}

/**
 * `query`'s rows sent as one value: SQLite writes them as one JSON array (of arrays, in the
 * query's order), and each is typed as drizzle types the query's own rows. For the reads that
 * return many rows: a client of a remote database decodes every value of a result on its own
 * (≈ 1.5 µs each, so ≈ 1.3 ms for an incident's 80 updates), one JSON text costs a fraction of
 * that. Only for columns JSON holds as they are: text, integers, null (no blobs; no reals,
 * which JSON would round to 15 digits).
 */
export function rowsInOneValue<T>(db: Drizzle, query: FlatSelect<T>): { statement: Statement; rows(result: unknown): T[] } {
  const fields = Object.entries(query._.selectedFields).map(([key, field]) => {
    if (!is(field, Column)) throw new Error(`rowsInOneValue: ${key} is not a column`);
    if (!/^(text|integer)$/.test(field.getSQLType())) throw new Error(`rowsInOneValue: ${key} is a ${field.getSQLType()} column`);
    return { key, decode: (v: unknown) => field.mapFromDriverValue(v) };
  });
  const names = sql.join(
    fields.map((_, i) => sql.raw(`c${i}`)),
    sql`, `,
  );
  // SQLite keeps an ordered subquery's order for the aggregate above it (it does not flatten one
  // into an aggregate query). Drizzle writes the subquery in parentheses.
  const statement = db.all(sql`WITH q(${names}) AS ${query} SELECT coalesce(json_group_array(json_array(${names})), '[]') AS rows FROM q`);
  return {
    statement,
    rows(result) {
      const [first] = result as { rows: string }[];
      return (JSON.parse(first?.rows ?? '[]') as unknown[][]).map((values) => {
        const row: Record<string, unknown> = {};
        for (const [i, { key, decode }] of fields.entries()) {
          const value = values[i];
          row[key] = value === null ? null : decode(value);
        }
        return row as T;
      });
    },
  };
}
