import { formatDuration, incidentDurationMs } from '../../api/domain/incident/duration.ts';
import { withoutControlCharacters, renderMarkdown } from '../../api/markdown.ts';
import { compileTemplate, escapeHtml, fill } from '../render.ts';

/** The SLA figures a resolution email states, from the timeline. */
export interface SlaFigures {
  /** "99.82": truncated, never rounded up. */
  availabilityText: string;
  target: number;
  belowTarget: boolean;
  creditPercent: number;
  /** "March 2026" or "15 March – 14 April 2026". */
  periodLabel: string;
}

export interface CustomerEmailProps {
  kind: 'notice' | 'resolution';
  customerName: string;
  pageName: string;
  incidentUrl: string;
  title: string;
  startedAt: Date;
  resolvedAt: Date | null;
  now: Date;
  /** The customer's components this incident affects. */
  affected: string[];
  /** Latest update: for a resolution, what was done and what will prevent a recurrence. */
  body: string;
  /** A second (or later) resolution after the incident was reopened. */
  updated: boolean;
  sla: SlaFigures | null;
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The SLA paragraph: availability against the commitment and the credit when below it; one line when within. */
export function slaParagraph(sla: SlaFigures): string {
  if (!sla.belowTarget) return `Your availability for ${sla.periodLabel} so far is ${sla.availabilityText} %, within your ${sla.target} % commitment.`;
  const credit = sla.creditPercent > 0 ? ` A ${sla.creditPercent} % service credit will be applied to your next invoice.` : '';
  return `Your availability for ${sla.periodLabel} so far is ${sla.availabilityText} % against your ${sla.target} % commitment.${credit}`;
}

export function subject(props: Pick<CustomerEmailProps, 'kind' | 'title' | 'updated'>): string {
  const title = withoutControlCharacters(props.title).replace(/\s+/g, ' ').trim();
  if (props.kind === 'notice') return `Service incident affecting you: ${title}`;
  return `${props.updated ? '[Updated] ' : ''}Resolved: ${title}`;
}

/** A customer's incident notice or resolution email (one customer: every slot filled here). */
export async function renderCustomerEmail(props: CustomerEmailProps): Promise<{ subject: string; html: string; text: string }> {
  const resolution = props.kind === 'resolution';
  const duration = formatDuration(incidentDurationMs(props.startedAt, props.resolvedAt, props.now));
  const timing = resolution && props.resolvedAt ? `From ${utc(props.startedAt)} to ${utc(props.resolvedAt)}: ${duration}.` : `Since ${utc(props.startedAt)} (${duration} so far).`;
  const greeting = `Hello ${withoutControlCharacters(props.customerName)},`;
  const intro = resolution
    ? `${props.updated ? 'This incident was reopened and is now resolved again; the figures below are updated. ' : ''}This incident is resolved.`
    : 'We are working on an incident that affects services you use. We will keep you posted until it is resolved.';
  const affected = props.affected.length ? `Affected: ${props.affected.join(', ')}.` : '';
  const sla = props.sla ? slaParagraph(props.sla) : '';
  const subjectLine = subject(props);
  const html = fill(await compileTemplate('customer-notice', { band_color: resolution ? '#1a7f37' : '#b3001b' }), {
    subject: escapeHtml(subjectLine),
    preview: escapeHtml(intro),
    band: resolution ? 'Resolved' : 'Incident in progress',
    greeting: `${escapeHtml(greeting)}<br />${escapeHtml(intro)}`,
    title: escapeHtml(withoutControlCharacters(props.title)),
    timing: escapeHtml(timing),
    affected: escapeHtml(affected),
    body_html: renderMarkdown(withoutControlCharacters(props.body)),
    sla_html: sla ? `<strong>${escapeHtml(sla)}</strong>` : '',
    incident_url: escapeHtml(props.incidentUrl),
  });
  const text = [greeting, '', intro, '', withoutControlCharacters(props.title), timing, affected, '', withoutControlCharacters(props.body), ...(sla ? ['', sla] : []), '', `Follow this incident: ${props.incidentUrl}`, '', `-- ${withoutControlCharacters(props.pageName)}`].join('\n');
  return { subject: subjectLine, html, text };
}
