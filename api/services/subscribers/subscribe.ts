import type { ServiceContext } from '../context.ts';
import { consumeRateLimit } from '../rate-limit.ts';
import { normaliseEmail, planSubscription } from './save.ts';

/**
 * A subscription from the public page. Rate limited per IP and per address. Whatever the
 * address's state, the caller answers the same way: nobody learns who is subscribed.
 */
export async function subscribe(ctx: ServiceContext, input: { email: string; componentIds?: string[]; ip: string }): Promise<void> {
  await consumeRateLimit(ctx, [
    { key: `subscribe:ip:${input.ip}`, path: 'ip' },
    { key: `subscribe:email:${normaliseEmail(input.email)}`, path: 'email' },
  ]);
  const { database } = ctx;
  await database.exclusive(async () => {
    const plan = await planSubscription(ctx, { email: input.email, componentIds: input.componentIds, source: 'page' });
    if (plan.statements.length) await database.commit(plan.statements);
  });
}
