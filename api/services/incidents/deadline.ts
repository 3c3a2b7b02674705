import type { IncidentStatus, Severity } from '../../domain/incident/lifecycle.ts';
import { nextUpdateDue, promisedDeadline } from '../../domain/incident/cadence.ts';
import type { ServiceContext } from '../context.ts';
import { loadCadencePolicy } from '../policy.ts';

export interface DeadlineInput {
  severity: Severity;
  status: IncidentStatus;
  /** When the incident became public (null: internal). */
  publishedAt: Date | null;
  /** The last update the public saw (this write's own, when it is one). */
  lastPublicUpdateAt: Date | null;
  /** A draft that will be public once published: owed from here. */
  draftSince?: Date | null;
  /** The operator's promise (`next_update_at`), if any. */
  promised?: Date | null;
}

/** The incident's next-update deadline after this write, by the deployment's policy (422 on a promise past it). */
export async function planDeadline(ctx: ServiceContext, input: DeadlineInput, now: Date): Promise<Date | null> {
  const policy = await loadCadencePolicy(ctx);
  const due = nextUpdateDue(input, policy);
  if (!due && input.promised) return null; // nothing owed (resolved, or not public): a promise binds nothing
  return promisedDeadline(due, input.promised ?? null, now, input.severity, policy);
}

/** When the public last heard of an incident, from its timeline (newest first). */
export function lastPublicUpdate(updates: { public: boolean; createdAt: Date }[]): Date | null {
  return updates.find((u) => u.public)?.createdAt ?? null;
}
