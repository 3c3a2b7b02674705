import type { ComponentStatus } from '../../api/domain/component/status.ts';
import type { Impact, IncidentStatus } from '../../api/domain/incident/lifecycle.ts';
import { formatDuration, incidentDurationMs, type ResolvedGap } from '../../api/domain/incident/duration.ts';
import { withoutControlCharacters, renderMarkdown } from '../../api/markdown.ts';
import { compileTemplate, prepare, type Prepared } from '../render.ts';
import { escapeHtml } from '../../api/markdown.ts';
import { SUBSCRIBER_TEXT_FOOTER } from '../personalise.ts';
import { componentStatusWords, IMPACT_LABELS, utc } from '../../api/domain/words.ts';

export interface IncidentUpdateProps {
  pageName: string;
  incidentUrl: string;
  title: string;
  status: IncidentStatus;
  impact: Impact;
  body: string;
  startedAt: Date;
  resolvedAt: Date | null;
  postedAt: Date;
  /** Stretches it spent resolved before a reopen: left out of its duration. */
  resolvedGaps?: ResolvedGap[];
  components: { name: string; status: ComponentStatus }[];
}

const STATUS: Record<IncidentStatus, { label: string; color: string; intro: string }> = {
  investigating: { label: 'Investigating', color: '#b3001b', intro: 'We are aware of a problem and are looking into it. Here is what we know so far.' },
  identified: { label: 'Identified', color: '#9a3d00', intro: 'We have found the cause and are working on a fix.' },
  monitoring: { label: 'Monitoring', color: '#0550ae', intro: 'A fix is in place and we are watching to make sure it holds.' },
  resolved: { label: 'Resolved', color: '#1a7f37', intro: 'This incident is resolved.' },
};

/** "[Resolved] Elevated API errors": short and specific. */
export function subject(props: Pick<IncidentUpdateProps, 'status' | 'title'>): string {
  return `[${STATUS[props.status].label}] ${withoutControlCharacters(props.title).replace(/\s+/g, ' ').trim()}`;
}

function timing(props: IncidentUpdateProps): string {
  const gaps = props.resolvedGaps ?? [];
  const duration =
    formatDuration(incidentDurationMs(props.startedAt, props.resolvedAt, props.postedAt, gaps)) +
    (gaps.length ? ', not counting the time it was resolved before it reopened' : '');
  return props.resolvedAt
    ? `Started ${utc(props.startedAt)}, resolved ${utc(props.resolvedAt)}: lasted ${duration}.`
    : `Started ${utc(props.startedAt)}; ongoing for ${duration}. Update posted ${utc(props.postedAt)}.`;
}

/**
 * The email for one incident update with its per-event slots filled; per-recipient slots
 * (`recipient`, `manage_url`, `unsubscribe_url`) are left for `personalise`.
 */
export async function renderIncidentUpdate(props: IncidentUpdateProps): Promise<{ subject: string; html: Prepared; text: Prepared }> {
  const status = STATUS[props.status];
  const html = await compileTemplate('incident-update', { status_color: status.color });
  const subjectLine = subject(props);
  const components = props.components.length
    ? `<strong>Affected:</strong> ${props.components.map((c) => `${escapeHtml(c.name)} (${componentStatusWords(c.status)})`).join(', ')}`
    : '';
  const filled = prepare(html, {
    subject: escapeHtml(subjectLine),
    preview: escapeHtml(withoutControlCharacters(props.body).slice(0, 140)),
    status_label: status.label,
    impact_label: IMPACT_LABELS[props.impact],
    title: escapeHtml(withoutControlCharacters(props.title)),
    timing: escapeHtml(timing(props)),
    intro: escapeHtml(status.intro),
    body_html: renderMarkdown(withoutControlCharacters(props.body)),
    components_html: components,
    incident_url: escapeHtml(props.incidentUrl),
    page_name: escapeHtml(props.pageName),
  });
  const textTemplate = [
    `${status.label.toUpperCase()}: {{title}}`,
    '{{timing}}',
    '',
    status.intro,
    '',
    '{{body}}',
    '',
    ...(props.components.length
      ? [`Affected: ${props.components.map((c) => `${c.name.replace(/[{}]/g, '')} (${componentStatusWords(c.status)})`).join(', ')}`, '']
      : []),
    `Follow this incident: ${props.incidentUrl}`,
    '',
    ...SUBSCRIBER_TEXT_FOOTER,
  ].join('\n');
  // Slots are found in the template text before the incident's own words go in.
  const text = prepare(textTemplate, {
    title: withoutControlCharacters(props.title),
    timing: timing(props),
    body: withoutControlCharacters(props.body),
    page_name: withoutControlCharacters(props.pageName),
  });
  return { subject: subjectLine, html: filled, text };
}
