import type { ComponentStatus } from '../../api/domain/component/status.ts';
import type { Impact, IncidentStatus } from '../../api/domain/incident/lifecycle.ts';
import { formatDuration, incidentDurationMs, type ResolvedGap } from '../../api/domain/incident/duration.ts';
import { escapeHtml, withoutControlCharacters } from '../../api/markdown.ts';
import type { Prepared } from '../render.ts';
import { renderSubscriberEmail } from '../subscriber-email.ts';
import type { EmailBrand } from '../brand.ts';
import { componentStatusWords, IMPACT_LABELS, INCIDENT_STATUS_LABELS, stamp } from '../../api/domain/words.ts';

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
  /** The zone times are stated in (UTC is stated too); default UTC. */
  zone?: string;
  /** The owner's brand (band and logo); none by default. */
  brand?: EmailBrand;
}

const STATUS: Record<IncidentStatus, { color: string; intro: string }> = {
  investigating: { color: '#b3001b', intro: 'We are aware of a problem and are looking into it. Here is what we know so far.' },
  identified: { color: '#9a3d00', intro: 'We have found the cause and are working on a fix.' },
  monitoring: { color: '#0550ae', intro: 'A fix is in place and we are watching to make sure it holds.' },
  resolved: { color: '#1a7f37', intro: 'This incident is resolved.' },
};

/** "[Resolved] Elevated API errors": short and specific. */
export function subject(props: Pick<IncidentUpdateProps, 'status' | 'title'>): string {
  return `[${INCIDENT_STATUS_LABELS[props.status]}] ${withoutControlCharacters(props.title).replace(/\s+/g, ' ').trim()}`;
}

function timing(props: IncidentUpdateProps): string {
  const gaps = props.resolvedGaps ?? [];
  const duration =
    formatDuration(incidentDurationMs(props.startedAt, props.resolvedAt, props.postedAt, gaps)) +
    (gaps.length ? ', not counting the time it was resolved before it reopened' : '');
  return props.resolvedAt
    ? `Started ${stamp(props.startedAt, props.zone)}, resolved ${stamp(props.resolvedAt, props.zone)}: lasted ${duration}.`
    : `Started ${stamp(props.startedAt, props.zone)}; ongoing for ${duration}. Update posted ${stamp(props.postedAt, props.zone)}.`;
}

/**
 * The email for one incident update with its per-event slots filled; per-recipient slots
 * (`recipient`, `manage_url`, `unsubscribe_url`) are left for `personalise`.
 */
export function renderIncidentUpdate(props: IncidentUpdateProps): Promise<{ subject: string; html: Prepared; text: Prepared }> {
  const status = STATUS[props.status];
  const named = (name: (n: string) => string) => props.components.map((c) => `${name(c.name)} (${componentStatusWords(c.status)})`).join(', ');
  return renderSubscriberEmail({
    subject: subject(props),
    band: {
      color: status.color,
      text: `${INCIDENT_STATUS_LABELS[props.status]} · ${IMPACT_LABELS[props.impact]}`,
      label: INCIDENT_STATUS_LABELS[props.status],
    },
    title: props.title,
    timing: timing(props),
    intro: status.intro,
    body: props.body,
    components: props.components.length ? { label: 'Affected', html: named(escapeHtml), text: named(withoutControlCharacters) } : null,
    link: { label: 'Follow this incident', textLabel: 'Follow this incident', url: props.incidentUrl },
    pageName: props.pageName,
    brand: props.brand,
  });
}
