import { withoutControlCharacters } from '../../api/markdown.ts';
import { compileTemplate, fill } from '../render.ts';
import { escapeHtml } from '../../api/markdown.ts';
import { brandHtml, type EmailBrand } from '../brand.ts';

export interface ConfirmationProps {
  pageName: string;
  recipient: string;
  confirmUrl: string;
  /** Component names, or null for all components. */
  components: string[] | null;
  brand?: EmailBrand;
  /** A webhook's or Slack's subscription: where updates go, and a webhook's signing secret (shown in this email only). */
  delivery?: { type: 'webhook' | 'slack'; endpoint: string; signingSecret?: string };
}

function subject(props: Pick<ConfirmationProps, 'pageName'>): string {
  return `Confirm your subscription to ${withoutControlCharacters(props.pageName)}`;
}

/** The confirmation email: one recipient, so every slot is filled here. */
export async function renderConfirmation(props: ConfirmationProps): Promise<{ subject: string; html: string; text: string }> {
  const scope = props.components ? ` for ${props.components.join(', ')}` : '';
  const d = props.delivery;
  const recipient = d ? `the ${d.type === 'slack' ? 'Slack webhook' : 'webhook'} ${d.endpoint}` : props.recipient;
  const secret = d?.signingSecret
    ? `Each request is signed as Standard Webhooks specifies, with this secret: ${d.signingSecret} — keep it to check the webhook-signature header. It is shown only in this email.`
    : '';
  const html = fill(await compileTemplate('subscription-confirmation'), {
    subject: escapeHtml(subject(props)),
    page_name: escapeHtml(props.pageName),
    recipient: escapeHtml(recipient),
    secret: escapeHtml(secret),
    scope: escapeHtml(scope),
    confirm_url: escapeHtml(props.confirmUrl),
    brand: brandHtml(props.brand, props.pageName),
  });
  const text = [
    'Confirm your subscription',
    '',
    `Someone, hopefully you, asked for ${recipient} to get ${withoutControlCharacters(props.pageName)}'s incident and maintenance updates${scope}.`,
    'Confirm within 48 hours and we will start sending them; ignore this email and we never will.',
    ...(secret ? ['', secret] : []),
    '',
    `Confirm: ${props.confirmUrl}`,
  ].join('\n');
  return { subject: subject(props), html, text };
}
