/** Component statuses, in Statuspage's vocabulary. */
export const COMPONENT_STATUSES = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

// Rank for "worst of": an incident's impact outranks maintenance, so a component hit by an
// outage during a maintenance window shows the outage.
const RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** The worst of the given statuses; operational when there are none. */
export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/**
 * A component's displayed status: the worst status any open incident holds it at; with no
 * open incident holding it, the status an operator set directly (operational by default).
 */
export function effectiveStatus(heldByOpenIncidents: ComponentStatus[], setByOperator: ComponentStatus): ComponentStatus {
  return heldByOpenIncidents.length > 0 ? worstStatus(heldByOpenIncidents) : setByOperator;
}
