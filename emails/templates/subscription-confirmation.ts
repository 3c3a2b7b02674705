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
}

function subject(props: Pick<ConfirmationProps, 'pageName'>): string {
  return `Confirm your subscription to ${withoutControlCharacters(props.pageName)}`;
}

/** The confirmation email: one recipient, so every slot is filled here. */
export async function renderConfirmation(props: ConfirmationProps): Promise<{ subject: string; html: string; text: string }> {
  const scope = props.components ? ` for ${props.components.join(', ')}` : '';
  const html = fill(await compileTemplate('subscription-confirmation'), {
    subject: escapeHtml(subject(props)),
    page_name: escapeHtml(props.pageName),
    recipient: escapeHtml(props.recipient),
    scope: escapeHtml(scope),
    confirm_url: escapeHtml(props.confirmUrl),
    brand: brandHtml(props.brand, props.pageName),
  });
  const text = [
    'Confirm your subscription',
    '',
    `Someone, hopefully you, asked for ${props.recipient} to get ${withoutControlCharacters(props.pageName)}'s incident and maintenance updates${scope}.`,
    'Confirm within 48 hours and we will start sending them; ignore this email and we never will.',
    '',
    `Confirm: ${props.confirmUrl}`,
  ].join('\n');
  return { subject: subject(props), html, text };
}
