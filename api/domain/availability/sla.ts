import type { FieldError } from '../errors.ts';
import { DEFAULT_DOWNTIME_WEIGHTS, type DowntimeWeights } from './uptime.ts';

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
}

/** The demo plans, modelled on published cloud ladders. */
export const DEMO_PLANS: ({ name: string } & SlaTerms)[] = [
  { name: 'Standard', target: 99.5, ladder: [{ below: 99.5, credit: 10 }, { below: 99.0, credit: 30 }, { below: 95.0, credit: 100 }], cap: 100, weights: DEFAULT_DOWNTIME_WEIGHTS },
  { name: 'Premium', target: 99.9, ladder: [{ below: 99.9, credit: 10 }, { below: 99.0, credit: 25 }, { below: 95.0, credit: 100 }], cap: 100, weights: DEFAULT_DOWNTIME_WEIGHTS },
  { name: 'Enterprise', target: 99.95, ladder: [{ below: 99.95, credit: 10 }, { below: 99.5, credit: 25 }, { below: 99.0, credit: 50 }], cap: 50, weights: DEFAULT_DOWNTIME_WEIGHTS },
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

/** Checks a plan's terms, naming each bad field. */
export function validateTerms(terms: SlaTerms): FieldError[] {
  const errors: FieldError[] = [];
  if (!(terms.target > 0 && terms.target <= 100)) errors.push({ path: 'target', message: 'must be above 0 and at most 100' });
  if (!(terms.cap >= 0)) errors.push({ path: 'cap', message: 'must be 0 or more' });
  terms.ladder.forEach((s, i) => {
    if (!(s.below > 0 && s.below <= 100)) errors.push({ path: `ladder[${i}].below`, message: 'must be above 0 and at most 100' });
    if (!(s.credit >= 0 && s.credit <= 100)) errors.push({ path: `ladder[${i}].credit`, message: 'must be from 0 to 100' });
    const previous = terms.ladder[i - 1];
    if (previous && !(s.below < previous.below)) errors.push({ path: `ladder[${i}].below`, message: `must be below the previous step's ${previous.below}` });
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

/** A customer's availability over the components in scope: the worst one by default. */
export function customerAvailability(perComponent: (number | null)[], mode: 'worst' | 'mean' = 'worst'): number | null {
  const measured = perComponent.filter((a): a is number => a !== null);
  if (!measured.length) return null;
  return mode === 'worst' ? Math.min(...measured) : measured.reduce((s, a) => s + a, 0) / measured.length;
}
