import { escapeHtml, renderMarkdown, withoutControlCharacters } from '../api/markdown.ts';
import { SUBSCRIBER_TEXT_FOOTER } from './personalise.ts';
import { compileTemplate, prepare, type Prepared } from './render.ts';
import { brandHtml, type EmailBrand } from './brand.ts';

/** What a subscriber's email about an event (an incident update, a maintenance step) says. */
export interface SubscriberEmail {
  subject: string;
  /** The band's colour (compiled in), its words ("Identified · Major impact") and the label the text part opens with. */
  band: { color: string; text: string; label: string };
  title: string;
  timing: string;
  intro: string;
  /** The update's own words (markdown). */
  body: string;
  /** The preview line mail clients show; the body's start by default. */
  preview?: string;
  /** "Affected: …" / "Affects: …", as HTML and as plain text; null when none. */
  components: { label: string; html: string; text: string } | null;
  link: { label: string; textLabel: string; url: string };
  pageName: string;
  /** The owner's brand (band and logo); none by default. */
  brand?: EmailBrand;
}

/**
 * One subscriber email with its per-event slots filled; the per-recipient slots (`recipient`,
 * `manage_url`, `unsubscribe_url`) are left for `personalise`. Slots are found in the template
 * before the event's own words go in, so words that look like a slot stay words.
 */
export async function renderSubscriberEmail(e: SubscriberEmail): Promise<{ subject: string; html: Prepared; text: Prepared }> {
  const html = prepare(await compileTemplate('subscriber-event', { band_color: e.band.color }), {
    subject: escapeHtml(e.subject),
    preview: escapeHtml(e.preview ?? withoutControlCharacters(e.body).slice(0, 140)),
    band: e.band.text,
    title: escapeHtml(withoutControlCharacters(e.title)),
    timing: escapeHtml(e.timing),
    intro: escapeHtml(e.intro),
    body_html: renderMarkdown(withoutControlCharacters(e.body)),
    components_html: e.components ? `<strong>${e.components.label}:</strong> ${e.components.html}` : '',
    link_url: escapeHtml(e.link.url),
    link_label: e.link.label,
    page_name: escapeHtml(e.pageName),
    brand: brandHtml(e.brand, e.pageName),
  });
  const textTemplate = [
    `${e.band.label.toUpperCase()}: {{title}}`,
    '{{timing}}',
    '',
    e.intro,
    '',
    '{{body}}',
    '',
    ...(e.components ? [`${e.components.label}: {{components}}`, ''] : []),
    `${e.link.textLabel}: {{link_url}}`,
    '',
    ...SUBSCRIBER_TEXT_FOOTER,
  ].join('\n');
  const text = prepare(textTemplate, {
    title: withoutControlCharacters(e.title),
    timing: e.timing,
    body: withoutControlCharacters(e.body),
    components: e.components?.text ?? '',
    link_url: e.link.url,
    page_name: withoutControlCharacters(e.pageName),
  });
  return { subject: e.subject, html, text };
}
