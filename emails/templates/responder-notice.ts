import { withoutControlCharacters } from '../../api/markdown.ts';
import { compileTemplate, fill } from '../render.ts';
import { escapeHtml } from '../../api/markdown.ts';
import { brandHtml, type EmailBrand } from '../brand.ts';

export interface ResponderNoticeProps {
  headline: string;
  title: string;
  message: string;
  incidentUrl: string;
  /** The button's words (default: Open the incident). */
  linkText?: string;
  pageName?: string;
  brand?: EmailBrand;
}

/** A reminder, overdue notice or escalation to a responder (or a webhook's paused notice): one recipient, every slot filled here. */
export async function renderResponderNotice(props: ResponderNoticeProps): Promise<{ subject: string; html: string; text: string }> {
  const subject = `${props.headline}: ${withoutControlCharacters(props.title)}`;
  const html = fill(await compileTemplate('responder-notice'), {
    subject: escapeHtml(subject),
    headline: escapeHtml(props.headline),
    title: escapeHtml(withoutControlCharacters(props.title)),
    message: escapeHtml(props.message),
    incident_url: escapeHtml(props.incidentUrl),
    link_text: escapeHtml(props.linkText ?? 'Open the incident'),
    brand: brandHtml(props.brand, props.pageName ?? ''),
  });
  return { subject, html, text: `${props.headline}\n\n${withoutControlCharacters(props.title)}\n\n${props.message}\n\n${props.incidentUrl}\n` };
}
