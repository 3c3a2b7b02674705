import { and, desc, eq, gt, sql } from 'drizzle-orm';
import { outbox, settings } from '../../../db/schema/index.ts';
import type { ServiceContext } from '../context.ts';

// Delivery trouble the responders must hear of: messages given up for good, and a provider
// refusing every batch for a while. Kept in `settings`, so every instance sees the same.
const FAILING_SINCE = 'provider_failing_since';
const TOLD_FAILED_ID = 'delivery_failures_told_through';
const TOLD_FAILING = 'provider_failing_told';

/** How long the provider may refuse everything before the responders are told. */
const PROVIDER_DOWN_MS = 10 * 60_000;

// A success clears the clock (another instance may have started it) without a write per batch:
// at once after a refusal here, else at most every half minute.
let clearedAt = Number.NEGATIVE_INFINITY;
let refusedHere = false;

/** A sender's outcome: the first refusal starts the clock, a success stops it. */
export async function recordProviderOutcome(ctx: ServiceContext, ok: boolean): Promise<void> {
  const { db } = ctx.database;
  const now = ctx.now().getTime();
  if (!ok) {
    refusedHere = true;
    await db
      .insert(settings)
      .values({ key: FAILING_SINCE, value: String(now) })
      .onConflictDoNothing();
  } else if (refusedHere || now - clearedAt > 30_000) {
    refusedHere = false;
    clearedAt = now;
    await db.delete(settings).where(eq(settings.key, FAILING_SINCE));
  }
}

/** Emails given up for good that the operator must hear of: not those dropped because their subscriber left. */
const deliveryFailure = (after: number) =>
  and(
    eq(outbox.channel, 'email'),
    eq(outbox.status, 'failed'),
    gt(outbox.id, after),
    sql`coalesce(${outbox.lastError}, '') <> 'subscriber removed before sending'`,
  );

/** Since when the provider has refused every batch, or null. */
export async function providerFailingSince(ctx: ServiceContext): Promise<Date | null> {
  const row = await ctx.database.db.select({ value: settings.value }).from(settings).where(eq(settings.key, FAILING_SINCE)).get();
  return row ? new Date(Number(row.value)) : null;
}

export interface Trouble {
  /** Messages that failed for good since the responders were last told: how many, the newest's id and reason. */
  failed: { count: number; throughId: number; lastError: string | null } | null;
  /** The provider has refused everything since then, for longer than PROVIDER_DOWN_MS, and nobody was told yet. */
  providerDownSince: Date | null;
  /** When the provider down notice is due, if it is refusing but not for long enough yet. */
  nextCheckAt: Date | null;
}

/** What the responders have not been told yet. */
export async function untoldTrouble(ctx: ServiceContext): Promise<Trouble> {
  const { db } = ctx.database;
  const [told, since, toldSince] = await Promise.all([
    db.select({ value: settings.value }).from(settings).where(eq(settings.key, TOLD_FAILED_ID)).get(),
    providerFailingSince(ctx),
    db.select({ value: settings.value }).from(settings).where(eq(settings.key, TOLD_FAILING)).get(),
  ]);
  const after = Number(told?.value ?? 0);
  const [counted, newest] = await Promise.all([
    db.select({ n: sql<number>`count(*)` }).from(outbox).where(deliveryFailure(after)).get(),
    db.select({ id: outbox.id, lastError: outbox.lastError }).from(outbox).where(deliveryFailure(after)).orderBy(desc(outbox.id)).limit(1).get(),
  ]);
  const now = ctx.now().getTime();
  const down = since && now - since.getTime() >= PROVIDER_DOWN_MS && toldSince?.value !== String(since.getTime());
  return {
    failed: newest ? { count: Number(counted?.n ?? 0), throughId: newest.id, lastError: newest.lastError } : null,
    providerDownSince: down ? since : null,
    nextCheckAt: since && !down && toldSince?.value !== String(since.getTime()) ? new Date(since.getTime() + PROVIDER_DOWN_MS) : null,
  };
}

/** Statements recording that the responders were told of `trouble` (with the notice, in one transaction). */
export function toldOf(ctx: ServiceContext, trouble: Trouble) {
  const { db } = ctx.database;
  const mark = (key: string, value: string) => db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  return [
    ...(trouble.failed ? [mark(TOLD_FAILED_ID, String(trouble.failed.throughId))] : []),
    ...(trouble.providerDownSince ? [mark(TOLD_FAILING, String(trouble.providerDownSince.getTime()))] : []),
  ];
}
