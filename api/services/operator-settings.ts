import { inArray } from 'drizzle-orm';
import { settings } from '../../db/schema/index.ts';
import { checkOperatorSettings, DEFAULT_OPERATOR_SETTINGS, type OperatorSettings } from '../domain/settings.ts';
import { ValidationFailed } from '../domain/errors.ts';
import { auditEntry } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';

const KEYS: Record<keyof OperatorSettings, string> = {
  brandColor: 'operator.brand_color',
  emailFrom: 'operator.email_from',
  emailTimeZone: 'operator.email_time_zone',
  defaultCommander: 'operator.default_commander',
  escalationContact: 'operator.escalation_contact',
  webhookUrl: 'operator.webhook_url',
  logo: 'operator.logo',
};

const knownZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * The operator's settings: what an owner saved in the console, else `fallback` (what the
 * deployment's environment says), else Candor's defaults.
 */
export async function readOperatorSettings(ctx: ServiceContext, fallback: Partial<OperatorSettings> = {}): Promise<OperatorSettings> {
  const rows = await ctx.database.db
    .select()
    .from(settings)
    .where(inArray(settings.key, Object.values(KEYS)));
  const saved = new Map(rows.map((r) => [r.key, r.value]));
  const out = { ...DEFAULT_OPERATOR_SETTINGS, ...Object.fromEntries(Object.entries(fallback).filter(([, v]) => v !== undefined)) } as OperatorSettings;
  for (const [name, key] of Object.entries(KEYS) as [keyof OperatorSettings, string][]) {
    // An empty saved value is an owner clearing the setting: the deployment's default again.
    const value = saved.get(key);
    if (value) (out as unknown as Record<string, string>)[name] = value;
  }
  return out;
}

/** Saves the settings an owner set (validated; audited). Every instance picks them up at its next pulse. */
export async function saveOperatorSettings(ctx: ServiceContext, actor: Actor, input: OperatorSettings): Promise<void> {
  const errors = checkOperatorSettings(input, knownZone);
  if (errors.length) throw new ValidationFailed(errors);
  const { database } = ctx;
  await database.exclusive(() =>
    database.commit([
      ...(Object.entries(KEYS) as [keyof OperatorSettings, string][]).map(([name, key]) =>
        database.db
          .insert(settings)
          .values({ key, value: input[name] ?? '' })
          .onConflictDoUpdate({ target: settings.key, set: { value: input[name] ?? '' } }),
      ),
      auditEntry(database, actor, ctx.now(), 'settings.update', { type: 'settings', id: 'operator' }, input),
    ]),
  );
}
