import type { FieldError } from '../errors.ts';
import { DEFAULT_DOWNTIME_WEIGHTS, type DowntimeWeights } from './uptime.ts';

/** How a customer's availability over several components is read: the worst one, or the mean weighted by measured time. */
export const SLA_AGGREGATES = ['worst', 'mean'] as const;
export type SlaAggregate = (typeof SLA_AGGREGATES)[number];

/** "Below `below` % availability → `credit` % of the bill." */
export interface LadderStep {
  below: number;
  credit: number;
}

export interface SlaTerms {
  /** Committed availability in %, e.g. 99.9. */
  target: number;
  /** Steps by strictly descending `below`. */
  ladder: LadderStep[];
  /** Most credit owed for one period, in %. */
  cap: number;
  weights: DowntimeWeights;
  /** Maintenance is excluded only when announced at least this many hours before it starts. */
  maintenanceNoticeHours: number;
  aggregate: SlaAggregate;
}

/** Contracts exclude only maintenance announced in advance: two days by default. */
export const DEFAULT_MAINTENANCE_NOTICE_HOURS = 48;

/** The demo plans, modelled on published cloud ladders. */
export const DEMO_PLANS: ({ name: string } & SlaTerms)[] = [
  {
    name: 'Standard',
    target: 99.5,
    ladder: [
      { below: 99.5, credit: 10 },
      { below: 99.0, credit: 30 },
      { below: 95.0, credit: 100 },
    ],
    cap: 100,
    weights: DEFAULT_DOWNTIME_WEIGHTS,
    maintenanceNoticeHours: DEFAULT_MAINTENANCE_NOTICE_HOURS,
    aggregate: 'worst',
  },
  {
    name: 'Premium',
    target: 99.9,
    ladder: [
      { below: 99.9, credit: 10 },
      { below: 99.0, credit: 25 },
      { below: 95.0, credit: 100 },
    ],
    cap: 100,
    weights: DEFAULT_DOWNTIME_WEIGHTS,
    maintenanceNoticeHours: DEFAULT_MAINTENANCE_NOTICE_HOURS,
    aggregate: 'worst',
  },
  {
    name: 'Enterprise',
    target: 99.95,
    ladder: [
      { below: 99.95, credit: 10 },
      { below: 99.5, credit: 25 },
      { below: 99.0, credit: 50 },
    ],
    cap: 50,
    weights: DEFAULT_DOWNTIME_WEIGHTS,
    maintenanceNoticeHours: 72,
    aggregate: 'worst',
  },
];

/**
 * The credit owed at `availability` % (0–100): the deepest ladder step it falls below, capped.
 * Exactly at a threshold is not below it.
 */
export function creditFor(availability: number, terms: Pick<SlaTerms, 'ladder' | 'cap'>): { step: LadderStep | null; credit: number } {
  let step: LadderStep | null = null;
  for (const s of terms.ladder) if (availability < s.below) step = s;
  return { step, credit: step ? Math.min(step.credit, terms.cap) : 0 };
}

/**
 * Checks a plan's terms, naming each bad field: a plan must not contradict itself — steps
 * strictly descending and none above the target (a credit owed while "within commitment"),
 * a deeper breach never earning less, no step's credit above the cap.
 */
export function validateTerms(terms: SlaTerms): FieldError[] {
  const errors: FieldError[] = [];
  if (!(terms.target > 0 && terms.target <= 100)) errors.push({ path: 'target', message: 'must be above 0 and at most 100' });
  if (!(terms.cap >= 0 && terms.cap <= 100)) errors.push({ path: 'cap', message: 'must be from 0 to 100' });
  if (!(Number.isInteger(terms.maintenanceNoticeHours) && terms.maintenanceNoticeHours >= 0 && terms.maintenanceNoticeHours <= 8760)) {
    errors.push({ path: 'maintenance_notice_hours', message: 'must be a whole number of hours from 0 to 8760' });
  }
  const validTarget = errors.every((e) => e.path !== 'target');
  const validCap = errors.every((e) => e.path !== 'cap');
  const validCredit = (credit: number) => credit >= 0 && credit <= 100;
  terms.ladder.forEach((s, i) => {
    if (!(s.below > 0 && s.below <= 100)) errors.push({ path: `ladder[${i}].below`, message: 'must be above 0 and at most 100' });
    else if (validTarget && s.below > terms.target)
      errors.push({
        path: `ladder[${i}].below`,
        message: `must be at most the target ${terms.target}: above it, a credit would be owed within the commitment`,
      });
    if (!validCredit(s.credit)) errors.push({ path: `ladder[${i}].credit`, message: 'must be from 0 to 100' });
    else if (validCap && s.credit > terms.cap) errors.push({ path: `ladder[${i}].credit`, message: `must be at most the cap ${terms.cap}` });
    const previous = terms.ladder[i - 1];
    if (previous && !(s.below < previous.below)) errors.push({ path: `ladder[${i}].below`, message: `must be below the previous step's ${previous.below}` });
    if (previous && validCredit(s.credit) && validCredit(previous.credit) && s.credit < previous.credit) {
      errors.push({ path: `ladder[${i}].credit`, message: `a deeper breach must not earn less than the previous step's ${previous.credit} %` });
    }
  });
  for (const [status, weight] of Object.entries(terms.weights)) {
    if (!(weight >= 0 && weight <= 1)) errors.push({ path: `weights.${status}`, message: 'must be from 0 to 1' });
  }
  return errors;
}

/**
 * The billing period containing `at`: the calendar month (UTC) by default, or from `anchorDay`
 * of one month to the same day of the next (clamped to the month's length).
 */
export function billingPeriod(at: Date, anchorDay: number | null = null): { from: Date; to: Date } {
  const day = anchorDay ?? 1;
  const start = (y: number, m: number) => {
    const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    return new Date(Date.UTC(y, m, Math.min(day, last)));
  };
  let from = start(at.getUTCFullYear(), at.getUTCMonth());
  if (from > at) from = start(at.getUTCFullYear(), at.getUTCMonth() - 1);
  const to = start(from.getUTCFullYear(), from.getUTCMonth() + 1);
  return { from, to };
}

/** One component's measured time and weighted downtime over a period. */
export interface Measured {
  measuredMs: number;
  downtimeMs: number;
}

/**
 * A customer's availability over the components in scope: the worst component by default, or
 * the mean weighted by measured time. The downtime stated is the aggregate's own: the worst
 * component's, or the mean downtime per component — so availability and downtime agree.
 */
export function customerAvailability(perComponent: Measured[], mode: SlaAggregate = 'worst'): { availability: number | null; downtimeMs: number } {
  const measured = perComponent.filter((c) => c.measuredMs > 0);
  if (!measured.length) return { availability: null, downtimeMs: 0 };
  if (mode === 'worst') {
    const worst = measured.reduce((w, c) => (c.downtimeMs / c.measuredMs > w.downtimeMs / w.measuredMs ? c : w));
    return { availability: 1 - worst.downtimeMs / worst.measuredMs, downtimeMs: worst.downtimeMs };
  }
  const downtime = measured.reduce((n, c) => n + c.downtimeMs, 0);
  const total = measured.reduce((n, c) => n + c.measuredMs, 0);
  return { availability: 1 - downtime / total, downtimeMs: downtime / measured.length };
}
