import { eq } from 'drizzle-orm';
import { settings } from '../../db/schema/index.ts';
import { DomainError, ValidationFailed } from '../domain/errors.ts';
import { auditEntry } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { sha256 } from './secrets.ts';
import { signingSecret } from './subscribers/tokens.ts';

/** What every instance of one database must agree on: links, names and signatures depend on them. */
export interface SharedSettings {
  publicUrl: string;
  pageName: string;
  /** Signs subscribers' manage links. */
  secret: string;
}

/** The settings an instance was started with: `set` values came from its environment, the rest are its defaults. */
export interface StartSettings {
  publicUrl: { value: string; set: boolean };
  pageName: { value: string; set: boolean };
  secret: string | undefined;
}

const KEYS = { publicUrl: 'shared.public_url', pageName: 'shared.page_name', secret: 'shared.secret_sha256' } as const;
const NAMES = { publicUrl: 'CANDOR_PUBLIC_URL', pageName: 'CANDOR_PAGE_NAME', secret: 'CANDOR_SECRET' } as const;

/** An instance started with a setting that disagrees with the other instances of its database. */
class SettingsDisagree extends Error {}

/**
 * Settles the shared settings at start. The first instance of a database records its own; each
 * later one adopts a recorded value it was not given, and refuses to start when its environment
 * says something else — emails from one fan-out must not link to several origins, and links one
 * instance signed must verify on every other. `settings set` (CLI) changes a recorded value.
 */
export async function agreeOnSettings(ctx: ServiceContext, start: StartSettings): Promise<SharedSettings> {
  const secret = await signingSecret(ctx, start.secret);
  const publicUrl = await agree(ctx, 'publicUrl', start.publicUrl.value, start.publicUrl.set);
  const pageName = await agree(ctx, 'pageName', start.pageName.value, start.pageName.set);
  await agree(ctx, 'secret', sha256(secret), true, start.secret ? 'is set to another value here' : 'is set on the other instances but not here');
  return { publicUrl, pageName, secret };
}

async function agree(ctx: ServiceContext, name: keyof typeof KEYS, value: string, set: boolean, says?: string): Promise<string> {
  const { db } = ctx.database;
  await db.insert(settings).values({ key: KEYS[name], value }).onConflictDoNothing();
  const recorded = (await db.select().from(settings).where(eq(settings.key, KEYS[name])).get())!.value;
  if (recorded === value || !set) return recorded;
  const command =
    name === 'secret' ? `${NAMES.secret}=… npm run candor -- settings set ${NAMES.secret}` : `npm run candor -- settings set ${NAMES[name]} VALUE`;
  const change = ` To change it for all, run \`${command}\`, then restart each instance with it.`;
  throw new SettingsDisagree(
    `${NAMES[name]} ${says ?? `is ${JSON.stringify(value)} here, but the other instances of this database use ${JSON.stringify(recorded)}`}. Set the same value on every instance.${change}`,
  );
}

/**
 * Records a new value for a shared setting (the CLI's `settings set`): instances started with it
 * agree again. Of the secret only its fingerprint is recorded.
 */
export async function setSharedSetting(ctx: ServiceContext, name: string, value: string): Promise<void> {
  const key = (Object.keys(NAMES) as (keyof typeof NAMES)[]).find((k) => NAMES[k] === name);
  if (!key) throw new DomainError('usage', `settings set takes one of ${Object.values(NAMES).join(', ')}`);
  if (!value) throw new DomainError('usage', `${name} needs a value`);
  const normal = key === 'publicUrl' ? value.replace(/\/+$/, '') : key === 'secret' ? sha256(value) : value;
  if (key === 'publicUrl' && !URL.canParse(normal)) throw new DomainError('usage', `${name} must be an absolute URL, got ${value}`);
  await ctx.database.db
    .insert(settings)
    .values({ key: KEYS[key], value: normal })
    .onConflictDoUpdate({ target: settings.key, set: { value: normal } });
}

/** The public URL the instances agreed on, or `fallback` before any instance started. */
export async function recordedPublicUrl(ctx: ServiceContext, fallback: string): Promise<string> {
  const row = await ctx.database.db.select().from(settings).where(eq(settings.key, KEYS.publicUrl)).get();
  return row?.value ?? fallback;
}

/**
 * An owner changes the page's name or public URL from the console: recorded like `settings set`
 * (and audited). Instances read them when they start: each must be restarted, with the same
 * value in its environment if it sets one there.
 */
export async function recordPageSettings(ctx: ServiceContext, actor: Actor, input: { pageName: string; publicUrl: string }): Promise<void> {
  const pageName = input.pageName.trim();
  const publicUrl = input.publicUrl.trim().replace(/\/+$/, '');
  const errors = [];
  if (!pageName || pageName.length > 100) errors.push({ path: 'page_name', message: 'from 1 to 100 characters' });
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(publicUrl) || !URL.canParse(publicUrl))
    errors.push({ path: 'public_url', message: 'an absolute http:// or https:// URL' });
  if (errors.length) throw new ValidationFailed(errors);
  const { database } = ctx;
  const upsert = (key: string, value: string) =>
    database.db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  await database.exclusive(() =>
    database.commit([
      upsert(KEYS.pageName, pageName),
      upsert(KEYS.publicUrl, publicUrl),
      auditEntry(database, actor, ctx.now(), 'settings.page', { type: 'settings', id: 'page' }, { pageName, publicUrl }),
    ]),
  );
}

/** The page name and public URL the instances agreed on (what the next start uses). */
export async function recordedPageSettings(ctx: ServiceContext): Promise<{ pageName: string | null; publicUrl: string | null }> {
  const rows = await ctx.database.db.select().from(settings);
  const value = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
  return { pageName: value(KEYS.pageName), publicUrl: value(KEYS.publicUrl) };
}
