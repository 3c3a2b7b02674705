import { text } from './console';

const WEIGHTS = ['operational', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export const LADDER_ROWS = 6;

/** A plan form as the API's body (empty ladder rows left out; numbers as typed, for the schema to judge). */
export function planFromForm(form: FormData) {
  const num = (name: string) => (text(form, name) === '' ? undefined : Number(text(form, name)));
  const ladder = Array.from({ length: LADDER_ROWS }, (_, i) => ({ below: num(`ladder.${i}.below`), credit: num(`ladder.${i}.credit`) })).filter(
    (s) => s.below !== undefined || s.credit !== undefined,
  );
  return {
    name: text(form, 'name'),
    target: num('target'),
    ladder,
    cap: num('cap'),
    weights: Object.fromEntries(WEIGHTS.map((w) => [w, num(`weights.${w}`)])),
    maintenance_notice_hours: num('maintenance_notice_hours'),
    aggregate: text(form, 'aggregate'),
  };
}

export { WEIGHTS };
