import type { ServiceContext } from '../context.ts';
import type { SubscriberType } from '../../domain/subscribers/endpoint.ts';
import { consumeRateLimit } from '../rate-limit.ts';
import { normaliseEmail, planSubscription } from './save.ts';
import { INTERNAL } from '../../../db/client.ts';

/**
 * A subscription from the public page. Rate limited per IP and per address. Whatever the
 * address's state, the caller answers the same way: nobody learns who is subscribed.
 */
export async function subscribe(
  ctx: ServiceContext,
  input: { type?: SubscriberType; email: string; endpoint?: string; componentIds?: string[]; ip: string },
): Promise<void> {
  await consumeRateLimit(ctx, [
    { key: `subscribe:ip:${input.ip}`, path: 'ip' },
    { key: `subscribe:email:${normaliseEmail(input.email)}`, path: 'email' },
  ]);
  const { database } = ctx;
  await database.exclusive(async () => {
    const plan = await planSubscription(ctx, {
      type: input.type,
      email: input.email,
      endpoint: input.endpoint,
      componentIds: input.componentIds,
      source: 'page',
    });
    if (plan.statements.length) await database.commit(plan.statements, INTERNAL);
  });
}
