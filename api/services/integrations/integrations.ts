import { asc, eq } from 'drizzle-orm';
import { integrations } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { NotFound } from '../../domain/errors.ts';
import { DEFAULT_COMPONENT_LABEL, DEFAULT_MIN_HOLD_SECONDS, DEFAULT_SEVERITY_STATUSES, type IntegrationType } from '../../domain/integrations/alerts.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { newToken, sha256 } from '../secrets.ts';
import { INTERNAL } from '../../../db/client.ts';

export type Integration = Omit<typeof integrations.$inferSelect, 'tokenHash'>;

export interface IntegrationInput {
  type: IntegrationType;
  name: string;
  componentLabel?: string;
  severityStatuses?: Record<string, ComponentStatus>;
  minHoldSeconds?: number;
  draftIncidents?: boolean;
}

const columns = {
  id: integrations.id,
  type: integrations.type,
  name: integrations.name,
  componentLabel: integrations.componentLabel,
  severityStatuses: integrations.severityStatuses,
  minHoldSeconds: integrations.minHoldSeconds,
  draftIncidents: integrations.draftIncidents,
  disabledAt: integrations.disabledAt,
  createdAt: integrations.createdAt,
  updatedAt: integrations.updatedAt,
};

export async function listIntegrations(ctx: ServiceContext): Promise<Integration[]> {
  return ctx.database.db.select(columns).from(integrations).orderBy(asc(integrations.createdAt), asc(integrations.id));
}

export async function getIntegration(ctx: ServiceContext, id: string): Promise<Integration> {
  const row = await ctx.database.db.select(columns).from(integrations).where(eq(integrations.id, id)).get();
  if (!row) throw new NotFound('integration', id);
  return row;
}

/** Creates an integration; its token (in the URL the alert source posts to) is only in this answer. */
export async function createIntegration(ctx: ServiceContext, actor: Actor, input: IntegrationInput): Promise<{ integration: Integration; token: string }> {
  const { database } = ctx;
  const id = newId();
  const token = newToken();
  const now = ctx.now();
  await database.exclusive(() =>
    database.commit(
      [
        database.db.insert(integrations).values({
          id,
          type: input.type,
          name: input.name,
          tokenHash: sha256(token),
          componentLabel: input.componentLabel ?? DEFAULT_COMPONENT_LABEL,
          severityStatuses: input.severityStatuses ?? DEFAULT_SEVERITY_STATUSES,
          minHoldSeconds: input.minHoldSeconds ?? DEFAULT_MIN_HOLD_SECONDS,
          draftIncidents: input.draftIncidents ?? false,
          createdAt: now,
          updatedAt: now,
        }),
        auditEntry(database, actor, now, 'integration.create', { type: 'integration', id }, { type: input.type, name: input.name }),
      ],
      INTERNAL,
    ),
  );
  return { integration: await getIntegration(ctx, id), token };
}

/** Changes an integration's name or mapping; `disabled: true` stops it (its URL answers 401). */
export async function updateIntegration(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: Partial<Omit<IntegrationInput, 'type'>> & { disabled?: boolean },
): Promise<Integration> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const current = await getIntegration(ctx, id);
    const now = ctx.now();
    const { disabled, ...fields } = input;
    await database.commit(
      [
        database.db
          .update(integrations)
          .set({ ...fields, disabledAt: disabled === undefined ? current.disabledAt : disabled ? (current.disabledAt ?? now) : null, updatedAt: now })
          .where(eq(integrations.id, id)),
        auditEntry(database, actor, now, 'integration.update', { type: 'integration', id }, input),
      ],
      INTERNAL,
    );
  });
  return getIntegration(ctx, id);
}

/** The enabled integration of this type a URL token belongs to, or null. */
export async function integrationForToken(ctx: ServiceContext, type: IntegrationType, token: string): Promise<Integration | null> {
  if (!/^[\w-]{16,128}$/.test(token)) return null;
  const row = await ctx.database.db
    .select(columns)
    .from(integrations)
    .where(eq(integrations.tokenHash, sha256(token)))
    .get();
  return row && row.type === type && !row.disabledAt ? row : null;
}
