import { markdownToText, withoutControlCharacters } from '../../markdown.ts';
import { COMPONENT_STATUS_LABELS, IMPACT_LABELS, INCIDENT_STATUS_LABELS, MAINTENANCE_STATUS_LABELS } from '../../domain/words.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';

/** Slack's mrkdwn treats these three as markup: text from people is escaped. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface SlackEvent {
  title: string;
  /** e.g. "Identified · Major outage" */
  status: string;
  body: string;
  components: { name: string; status: ComponentStatus }[];
  url: string;
  linkText: string;
}

/** An incident's latest public update as a Slack event. */
export function incidentSlackEvent(
  incident: {
    title: string;
    status: keyof typeof INCIDENT_STATUS_LABELS;
    impact: keyof typeof IMPACT_LABELS;
    updates: { id: string; body: string }[];
    components: { name: string; status: ComponentStatus }[];
  },
  updateId: string,
  url: string,
): SlackEvent {
  const update = incident.updates.find((u) => u.id === updateId) ?? incident.updates[0];
  return {
    title: incident.title,
    status: `${INCIDENT_STATUS_LABELS[incident.status]} · ${IMPACT_LABELS[incident.impact]}`,
    body: update?.body ?? '',
    components: incident.components,
    url,
    linkText: 'View incident',
  };
}

/** A maintenance step as a Slack event. */
export function maintenanceSlackEvent(
  m: {
    title: string;
    status: keyof typeof MAINTENANCE_STATUS_LABELS;
    updates: { id: string; body: string }[];
    components: { name: string; status: ComponentStatus }[];
  },
  updateId: string | null,
  url: string,
): SlackEvent {
  const update = (updateId && m.updates.find((u) => u.id === updateId)) || m.updates[0];
  return { title: m.title, status: MAINTENANCE_STATUS_LABELS[m.status], body: update?.body ?? '', components: m.components, url, linkText: 'View maintenance' };
}

/** Slack's incoming-webhook body in Block Kit: title, status, components, the update's words, a link. */
export function slackMessage(event: SlackEvent): Record<string, unknown> {
  const title = withoutControlCharacters(event.title).slice(0, 150);
  const body = escapeMrkdwn(markdownToText(event.body)).slice(0, 2900);
  const components = event.components.map((c) => `${escapeMrkdwn(c.name)}: ${COMPONENT_STATUS_LABELS[c.status]}`).join(' · ');
  return {
    text: `${title} — ${event.status}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title, emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(event.status)}*` } },
      ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: body } }] : []),
      ...(components ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `Affected: ${components}` }] }] : []),
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: event.linkText }, url: event.url }] },
    ],
  };
}
