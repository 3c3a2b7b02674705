import { formatDuration, incidentDurationMs, type ResolvedGap } from '../../api/domain/incident/duration.ts';
import { withoutControlCharacters, renderMarkdown } from '../../api/markdown.ts';
import { compileTemplate, fill } from '../render.ts';
import { escapeHtml } from '../../api/markdown.ts';
import { periodLabel } from '../sla-text.ts';
import { brandHtml, type EmailBrand } from '../brand.ts';
import { stamp, utc } from '../../api/domain/words.ts';

interface CustomerIncidentEmail {
  kind: 'notice' | 'resolution';
  customerName: string;
  pageName: string;
  incidentUrl: string;
  title: string;
  startedAt: Date;
  resolvedAt: Date | null;
  /** Stretches the incident spent resolved before a reopen: not part of its duration. */
  resolvedGaps: ResolvedGap[];
  now: Date;
  /** The customer's components this incident affects. */
  affected: string[];
  /** Latest update: for a resolution, what was done and what will prevent a recurrence. */
  body: string;
  /** A second (or later) resolution after the incident was reopened. */
  updated: boolean;
  /** The SLA lines (resolution only), worded from the period figures: per billing period, what is owed first. */
  sla: string[][];
  /** The zone times are stated in (UTC is stated too); default UTC. */
  zone?: string;
  /** The owner's brand (band and logo); none by default. */
  brand?: EmailBrand;
}

interface CustomerStatementEmail {
  kind: 'statement';
  customerName: string;
  pageName: string;
  pageUrl: string;
  period: { from: Date; to: Date };
  /** The statement's lines, worded from the period figures. */
  lines: string[];
  brand?: EmailBrand;
}

export type CustomerEmailProps = CustomerIncidentEmail | CustomerStatementEmail;

const clean = (s: string) => withoutControlCharacters(s).replace(/\s+/g, ' ').trim();

function subject(props: { kind: 'notice' | 'resolution'; title: string; updated: boolean } | { kind: 'statement'; period: { from: Date; to: Date } }): string {
  if (props.kind === 'statement') return `Your service statement for ${periodLabel(props.period)}`;
  if (props.kind === 'notice') return `Service incident affecting you: ${clean(props.title)}`;
  return `${props.updated ? '[Updated] ' : ''}Resolved: ${clean(props.title)}`;
}

interface Layout {
  band: string;
  bandColor: string;
  intro: string;
  title: string;
  timing: string;
  affected: string;
  body: string;
  /** Per billing period: what is owed, then the figures behind it. */
  sla: string[][];
  link: { url: string; label: string };
}

function layoutOf(props: CustomerEmailProps): Layout {
  if (props.kind === 'statement') {
    return {
      band: 'Service statement',
      bandColor: '#0550ae',
      intro: `Here are your final service figures for ${periodLabel(props.period)}, from our recorded timeline.`,
      title: `Service statement for ${periodLabel(props.period)}`,
      timing: `${utc(props.period.from)} to ${utc(props.period.to)}`,
      affected: '',
      body: '',
      sla: [props.lines],
      link: { url: props.pageUrl, label: 'View the status page' },
    };
  }
  const resolution = props.kind === 'resolution';
  const duration = formatDuration(incidentDurationMs(props.startedAt, props.resolvedAt, props.now, props.resolvedGaps));
  const paused = props.resolvedGaps.length ? ' (not counting the time it was resolved before it reopened)' : '';
  return {
    band: resolution ? 'Resolved' : 'Incident in progress',
    bandColor: resolution ? '#1a7f37' : '#b3001b',
    intro: resolution
      ? `${props.updated ? 'This incident was reopened and is now resolved again; the figures below are updated. ' : ''}This incident is resolved.`
      : 'We are working on an incident that affects services you use. We will keep you posted until it is resolved.',
    title: withoutControlCharacters(props.title),
    timing:
      resolution && props.resolvedAt
        ? `From ${stamp(props.startedAt, props.zone)} to ${stamp(props.resolvedAt, props.zone)}: ${duration}${paused}.`
        : `Since ${stamp(props.startedAt, props.zone)} (${duration} so far${paused}).`,
    affected: props.affected.length ? `Affected: ${props.affected.join(', ')}.` : '',
    body: withoutControlCharacters(props.body),
    sla: props.sla,
    link: { url: props.incidentUrl, label: 'Follow this incident' },
  };
}

/** A customer's incident notice, resolution email or period statement (one customer: every slot filled here). */
export async function renderCustomerEmail(props: CustomerEmailProps): Promise<{ subject: string; html: string; text: string }> {
  const l = layoutOf(props);
  const greeting = `Hello ${withoutControlCharacters(props.customerName)},`;
  const subjectLine = subject(props);
  const html = fill(await compileTemplate('customer-notice', { band_color: l.bandColor }), {
    subject: escapeHtml(subjectLine),
    preview: escapeHtml(l.intro),
    band: l.band,
    greeting: `${escapeHtml(greeting)}<br />${escapeHtml(l.intro)}`,
    title: escapeHtml(l.title),
    timing: escapeHtml(l.timing),
    affected: escapeHtml(l.affected),
    body_html: l.body ? renderMarkdown(l.body) : '',
    sla_html: l.sla.map(slaHtml).join(''),
    link_url: escapeHtml(l.link.url),
    button_label: escapeHtml(l.link.label),
    brand: brandHtml(props.brand, props.pageName),
  });
  const text = [
    greeting,
    '',
    l.intro,
    '',
    l.title,
    l.timing,
    ...(l.affected ? [l.affected] : []),
    ...(l.body ? ['', l.body] : []),
    ...l.sla.flat().flatMap((line) => ['', line]),
    '',
    `${l.link.label}: ${l.link.url}`,
    '',
    `-- ${withoutControlCharacters(props.pageName)}`,
  ].join('\n');
  return { subject: subjectLine, html, text };
}

/** One period's SLA lines as HTML: the first (what is owed) stands out; the figures behind it are a list. */
function slaHtml([headline, ...details]: string[]): string {
  if (headline === undefined) return '';
  const list = details.length ? `<ul>${details.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : '';
  return `<p><strong>${escapeHtml(headline)}</strong></p>${list}`;
}
