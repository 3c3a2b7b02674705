import { and, eq, inArray, isNull } from 'drizzle-orm';
import { componentGroups, components } from '../../db/schema/index.ts';
import { ValidationFailed, type FieldError } from '../domain/errors.ts';
import type { ServiceContext } from './context.ts';

/** Checks that a referenced component group exists; a missing one is the field's fault (422). */
export async function requireGroup(ctx: ServiceContext, id: string, path: string): Promise<void> {
  const row = await ctx.database.db.select({ id: componentGroups.id }).from(componentGroups).where(eq(componentGroups.id, id)).get();
  if (!row) throw new ValidationFailed([{ path, message: `no component group with id ${id}` }]);
}

/** Checks that every referenced component exists and is listed once; reports each bad entry by its path. */
export async function requireComponents(ctx: ServiceContext, ids: string[], pathOf: (index: number) => string): Promise<void> {
  if (ids.length === 0) return;
  const rows = await ctx.database.db
    .select({ id: components.id })
    .from(components)
    .where(and(inArray(components.id, ids), isNull(components.deletedAt)));
  const known = new Set(rows.map((r) => r.id));
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  ids.forEach((id, i) => {
    if (!known.has(id)) errors.push({ path: pathOf(i), message: `no component with id ${id}` });
    else if (seen.has(id)) errors.push({ path: pathOf(i), message: `component ${id} is listed more than once` });
    seen.add(id);
  });
  if (errors.length > 0) throw new ValidationFailed(errors);
}
