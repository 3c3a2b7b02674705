import { worstStatus, type ComponentStatus } from '../component/status.ts';
import type { Impact } from '../incident/lifecycle.ts';

/** The page's status indicator, in Statuspage's vocabulary. */
const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Indicator = (typeof INDICATORS)[number];

const INDICATOR_DESCRIPTIONS: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Partially Degraded Service',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
  maintenance: 'Service Under Maintenance',
};

const BY_COMPONENT: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/** The indicator one component's status implies (its badge's colour). */
export const componentIndicator = (status: ComponentStatus): Indicator => BY_COMPONENT[status];

const RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

/**
 * The overall indicator: the worse of the worst component status and the highest impact of
 * the open public incidents (an incident with no components still shows). Maintenance — a
 * component under it, or any maintenance in progress — shows only while nothing is worse.
 */
export function overallStatus(
  componentStatuses: ComponentStatus[],
  openIncidentImpacts: Impact[],
  activeMaintenances = 0,
): { indicator: Indicator; description: string } {
  let indicator = BY_COMPONENT[worstStatus(componentStatuses)];
  const impacts: Indicator[] = [...openIncidentImpacts, ...(activeMaintenances > 0 ? (['maintenance'] as const) : [])];
  for (const impact of impacts) {
    if (RANK[impact] > RANK[indicator]) indicator = impact;
  }
  return { indicator, description: INDICATOR_DESCRIPTIONS[indicator] };
}
