import { asc, eq } from 'drizzle-orm';
import { incidentTemplates } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import type { Severity } from '../../domain/incident/lifecycle.ts';
import { NotFound } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { INTERNAL } from '../../../db/client.ts';

export type IncidentTemplate = typeof incidentTemplates.$inferSelect;

export interface TemplateInput {
  name: string;
  title: string;
  body: string;
  severity: Severity;
  customerVisible?: boolean;
  components?: { id: string; status: ComponentStatus }[];
}

export async function listTemplates(ctx: ServiceContext): Promise<IncidentTemplate[]> {
  return ctx.database.db.select().from(incidentTemplates).orderBy(asc(incidentTemplates.name), asc(incidentTemplates.id));
}

export async function getTemplate(ctx: ServiceContext, id: string): Promise<IncidentTemplate> {
  const row = await ctx.database.db.select().from(incidentTemplates).where(eq(incidentTemplates.id, id)).get();
  if (!row) throw new NotFound('template', id);
  return row;
}

/** Creates a template, or replaces one (`id`); its components must exist. */
export async function saveTemplate(ctx: ServiceContext, actor: Actor, input: TemplateInput, id?: string): Promise<IncidentTemplate> {
  const { database } = ctx;
  const templateId = id ?? newId();
  await database.exclusive(async () => {
    if (id) await getTemplate(ctx, id);
    const components = input.components ?? [];
    await requireComponents(
      ctx,
      components.map((c) => c.id),
      (i) => `components[${i}].id`,
    );
    const now = ctx.now();
    const fields = { ...input, customerVisible: input.customerVisible ?? false, components, updatedAt: now };
    await database.commit(
      [
        id
          ? database.db.update(incidentTemplates).set(fields).where(eq(incidentTemplates.id, id))
          : database.db.insert(incidentTemplates).values({ id: templateId, ...fields, createdAt: now }),
        auditEntry(database, actor, now, id ? 'template.update' : 'template.create', { type: 'template', id: templateId }, { name: input.name }),
      ],
      INTERNAL,
    );
  });
  return getTemplate(ctx, templateId);
}

export async function deleteTemplate(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { database } = ctx;
  await database.exclusive(async () => {
    await getTemplate(ctx, id);
    const now = ctx.now();
    await database.commit(
      [
        database.db.delete(incidentTemplates).where(eq(incidentTemplates.id, id)),
        auditEntry(database, actor, now, 'template.delete', { type: 'template', id }),
      ],
      INTERNAL,
    );
  });
}
