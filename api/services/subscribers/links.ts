import { manageToken } from './tokens.ts';

/** What subscriber emails and pages need to build their links. */
export interface SubscriptionSettings {
  publicUrl: string;
  pageName: string;
  secret: string;
}

export function subscriberLinks(settings: SubscriptionSettings, subscriber: { id: string; tokenVersion: number }) {
  const token = encodeURIComponent(manageToken(settings.secret, subscriber));
  return {
    manageUrl: `${settings.publicUrl}/subscriptions/manage?token=${token}`,
    unsubscribeUrl: `${settings.publicUrl}/subscriptions/unsubscribe?token=${token}`,
  };
}

export const confirmUrl = (settings: Pick<SubscriptionSettings, 'publicUrl'>, token: string) =>
  `${settings.publicUrl}/subscribe/confirm?token=${encodeURIComponent(token)}`;
