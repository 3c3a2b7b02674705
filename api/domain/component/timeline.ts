import type { ComponentStatus } from './status.ts';

/** The interval a component is in now: [startedAt, ∞) at `status`. */
export interface OpenInterval {
  status: ComponentStatus;
  startedAt: Date;
}

/** Close the open interval at `at` and open one at `status` from `at`. */
export interface IntervalChange {
  at: Date;
  status: ComponentStatus;
}

/**
 * Plans the timeline change for a component moving to `status` effective `at`; null when
 * nothing changes. A change back-dated before the open interval began takes effect when it
 * began: the recorded past is never rewritten, only the current interval is cut.
 */
export function planIntervalChange(open: OpenInterval | null, status: ComponentStatus, at: Date): IntervalChange | null {
  if (open && open.status === status) return null;
  const effective = open && at < open.startedAt ? open.startedAt : at;
  return { at: effective, status };
}
