import { complete, type Prepared } from './render.ts';
import { escapeHtml } from '../api/markdown.ts';

/** The plain-text twin of `_footer.mjml`: why the email came, and the links `personalise` fills. */
export const SUBSCRIBER_TEXT_FOOTER = [
  '--',
  'You receive this because {{recipient}} is subscribed to {{page_name}}.',
  'Manage your subscription: {{manage_url}}',
  'Unsubscribe: {{unsubscribe_url}}',
];

export interface Recipient {
  email: string;
  manageUrl: string;
  unsubscribeUrl: string;
}

/** Fills the per-recipient slots of an event's email (cheap: string substitution only). */
export function personalise(email: { subject: string; html: Prepared; text: Prepared }, to: Recipient) {
  return {
    subject: email.subject,
    html: complete(email.html, { recipient: escapeHtml(to.email), manage_url: escapeHtml(to.manageUrl), unsubscribe_url: escapeHtml(to.unsubscribeUrl) }),
    text: complete(email.text, { recipient: to.email, manage_url: to.manageUrl, unsubscribe_url: to.unsubscribeUrl }),
    headers: {
      // RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the URL.
      'List-Unsubscribe': `<${to.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
