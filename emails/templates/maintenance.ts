import type { MaintenanceEmail } from '../../api/domain/maintenance/lifecycle.ts';
import { formatDuration } from '../../api/domain/incident/duration.ts';
import { escapeHtml, withoutControlCharacters } from '../../api/markdown.ts';
import type { Prepared } from '../render.ts';
import { renderSubscriberEmail } from '../subscriber-email.ts';
import type { EmailBrand } from '../brand.ts';
import { stamp, utc } from '../../api/domain/words.ts';

export interface MaintenanceEmailProps {
  pageName: string;
  maintenanceUrl: string;
  kind: MaintenanceEmail;
  title: string;
  /** The words of the update this email is about (the announcement's for a reminder). */
  body: string;
  scheduledFor: Date;
  scheduledUntil: Date;
  /** When the work actually began and ended, as recorded. */
  startedAt: Date | null;
  completedAt: Date | null;
  components: string[];
  /** The zone times are stated in (UTC is stated too); default UTC. */
  zone?: string;
  /** The owner's brand (band and logo); none by default. */
  brand?: EmailBrand;
}

const KIND: Record<MaintenanceEmail, { label: string; color: string; intro: string }> = {
  scheduled: { label: 'Maintenance scheduled', color: '#0550ae', intro: 'We have planned maintenance. Here is when it happens and what to expect.' },
  reminder: { label: 'Maintenance reminder', color: '#0550ae', intro: 'A reminder: this planned maintenance is coming up.' },
  started: { label: 'Maintenance in progress', color: '#0550ae', intro: 'This planned maintenance has begun.' },
  update: { label: 'Maintenance update', color: '#0550ae', intro: 'An update on this planned maintenance.' },
  completed: { label: 'Maintenance completed', color: '#1a7f37', intro: 'This planned maintenance is complete.' },
  cancelled: { label: 'Maintenance cancelled', color: '#59636e', intro: 'This planned maintenance will not take place as announced.' },
};

/** "2026-11-24 21:00–23:00 UTC", or both dates when the window spans midnight (UTC); in another zone, each end with its UTC time. */
export function windowText(from: Date, to: Date, zone = 'UTC'): string {
  if (zone !== 'UTC') return `${stamp(from, zone)} – ${stamp(to, zone)}`;
  const sameDay = from.toISOString().slice(0, 10) === to.toISOString().slice(0, 10);
  return sameDay ? `${utc(from).slice(0, 16)}–${to.toISOString().slice(11, 16)} UTC` : `${utc(from)} – ${utc(to)}`;
}

/** "[Maintenance scheduled] Database upgrade". */
function maintenanceSubject(props: Pick<MaintenanceEmailProps, 'kind' | 'title'>): string {
  return `[${KIND[props.kind].label}] ${withoutControlCharacters(props.title).replace(/\s+/g, ' ').trim()}`;
}

/** The times, from the record once the work has begun. */
function timing(p: MaintenanceEmailProps): string {
  if (p.kind === 'completed' && p.startedAt && p.completedAt) {
    return `Began ${stamp(p.startedAt, p.zone)}, completed ${stamp(p.completedAt, p.zone)}: took ${formatDuration(p.completedAt.getTime() - p.startedAt.getTime())}.`;
  }
  if (p.startedAt && p.kind !== 'cancelled') return `Began ${stamp(p.startedAt, p.zone)}; planned to end ${stamp(p.scheduledUntil, p.zone)}.`;
  return `${p.kind === 'cancelled' ? 'Was scheduled' : 'Scheduled'} ${windowText(p.scheduledFor, p.scheduledUntil, p.zone)} (${formatDuration(p.scheduledUntil.getTime() - p.scheduledFor.getTime())}).`;
}

/**
 * A maintenance email with its per-event slots filled; per-recipient slots (`recipient`,
 * `manage_url`, `unsubscribe_url`) are left for `personalise`.
 */
export function renderMaintenance(props: MaintenanceEmailProps): Promise<{ subject: string; html: Prepared; text: Prepared }> {
  const kind = KIND[props.kind];
  const components = props.components.map((c) => withoutControlCharacters(c));
  return renderSubscriberEmail({
    subject: maintenanceSubject(props),
    band: { color: kind.color, text: kind.label, label: kind.label },
    title: props.title,
    timing: timing(props),
    intro: kind.intro,
    body: props.body,
    preview: `${timing(props)} ${withoutControlCharacters(props.body)}`.slice(0, 140),
    components: components.length ? { label: 'Affects', html: components.map(escapeHtml).join(', '), text: components.join(', ') } : null,
    link: { label: 'See this maintenance', textLabel: 'Details', url: props.maintenanceUrl },
    pageName: props.pageName,
    brand: props.brand,
  });
}
