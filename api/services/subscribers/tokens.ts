import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { settings, subscribers } from '../../../db/schema/index.ts';
import { randomBytesPooled } from '../../../db/ids.ts';
import type { ServiceContext } from '../context.ts';

export const CONFIRM_TTL_MS = 48 * 60 * 60 * 1000;

/** 192 random bits (a confirmation link's token). */
export const randomToken = () => randomBytesPooled(24).toString('base64url');

/**
 * The key that signs manage/unsubscribe links: CANDOR_SECRET when set (recommended: then a
 * copy of the database alone cannot forge links), else one generated once and kept in the
 * database so every instance shares it.
 */
export async function signingSecret(ctx: ServiceContext, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const { db } = ctx.database;
  await db
    .insert(settings)
    .values({ key: 'signing_secret', value: randomBytes(32).toString('hex') })
    .onConflictDoNothing();
  const row = await db.select().from(settings).where(eq(settings.key, 'signing_secret')).get();
  return row!.value;
}

const signature = (secret: string, id: string, version: number) =>
  createHmac('sha256', secret).update(`manage:${id}:${version}`).digest('base64url').slice(0, 32);

/** A subscriber's manage/unsubscribe token: their id and a signature. Nothing is stored; bumping tokenVersion voids it. */
export function manageToken(secret: string, subscriber: { id: string; tokenVersion: number }): string {
  return `${subscriber.id}.${signature(secret, subscriber.id, subscriber.tokenVersion)}`;
}

/** The subscriber a manage token belongs to, or null (malformed, forged, voided, or unsubscribed). */
export async function subscriberForToken(ctx: ServiceContext, secret: string, token: string) {
  const match = /^([a-z0-9]{12})\.([\w-]{32})$/.exec(token);
  if (!match) return null;
  const row = await ctx.database.db.select().from(subscribers).where(eq(subscribers.id, match[1]!)).get();
  const expected = Buffer.from(row ? signature(secret, row.id, row.tokenVersion) : 'x'.repeat(32));
  return timingSafeEqual(Buffer.from(match[2]!), expected) && row ? row : null;
}
