import { formatUptime } from '../api/domain/availability/uptime.ts';
import { monthOf } from '../api/domain/words.ts';
import { minutesUp, type PeriodFigures } from '../api/domain/availability/period.ts';

/** "March 2026" for a calendar month, else "15 March – 14 April 2026". */
export function periodLabel(period: { from: Date; to: Date }): string {
  const { from, to } = period;
  const fmt = (d: Date, year: boolean) => d.toLocaleString('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC', ...(year && { year: 'numeric' }) });
  if (from.getUTCDate() === 1 && to.getUTCDate() === 1) return monthOf(from);
  return `${fmt(from, false)} – ${fmt(new Date(to.getTime() - 86_400_000), true)}`;
}

const minutes = (n: number) => `${n} ${n === 1 ? 'minute' : 'minutes'}`;

/**
 * What a customer is owed for a period, in words: for a closed period the final figures; for
 * one still running, only what is already certain — the most the availability can still be,
 * and the credit owed even if nothing else goes wrong.
 */
function creditSentence(figures: PeriodFigures, target: number): string {
  const label = periodLabel(figures.period);
  if (figures.availability === null) return `Nothing was measured for ${label}.`;
  const text = formatUptime(figures.availability);
  if (figures.final) {
    const standing = figures.belowTarget ? `below your ${target} % commitment` : `within your ${target} % commitment`;
    const credit =
      figures.creditPercent > 0 ? `A ${figures.creditPercent} % service credit is owed for this period.` : 'No service credit is owed for this period.';
    return `Your availability for ${label} was ${text} %, ${standing}. ${credit}`;
  }
  if (figures.creditPercent > 0) {
    return `${label} is not over yet. Even if nothing else goes wrong, your availability for it can be at most ${text} %, below your ${target} % commitment: a service credit of at least ${figures.creditPercent} % is already owed. The final figures follow in your statement when the period closes.`;
  }
  if (figures.belowTarget) {
    return `${label} is not over yet. Even if nothing else goes wrong, your availability for it can be at most ${text} %, below your ${target} % commitment; no service credit is owed yet. The final figures follow in your statement when the period closes.`;
  }
  return `${label} is not over yet. No service credit is owed yet: with no more downtime, your availability for it will be ${text} %, within your ${target} % commitment. The final figures follow in your statement when the period closes.`;
}

/** Each maintenance in the period, and whether the plan left it out or counted it as downtime. */
function maintenanceLines(figures: PeriodFigures, plan: { maintenanceNoticeHours: number }): string[] {
  return figures.maintenances.map((m) =>
    m.excluded
      ? `Maintenance "${m.title}": ${minutes(m.minutes)}, announced at least ${plan.maintenanceNoticeHours} h ahead, so left out of your availability.`
      : `Maintenance "${m.title}": ${minutes(m.minutes)}, announced less than ${plan.maintenanceNoticeHours} h ahead, so counted as downtime.`,
  );
}

/** A resolution email's SLA lines, per billing period the incident touched: its downtime there and what is owed, then the maintenance. */
export function resolutionSlaLines(incidentId: string, periods: PeriodFigures[], plan: { target: number; maintenanceNoticeHours: number }): string[][] {
  return periods.map((figures) => {
    const mine = figures.incidents.find((i) => i.id === incidentId)?.downtimeMinutes ?? 0;
    const caused =
      mine > 0
        ? `This incident caused ${minutes(mine)} of downtime on your services in ${periodLabel(figures.period)}.`
        : `This incident caused no downtime on your services in ${periodLabel(figures.period)}.`;
    return [`${caused} ${creditSentence(figures, plan.target)}`, ...maintenanceLines(figures, plan)];
  });
}

/** A period statement's lines: per component, each incident and maintenance with its minutes, the ladder step, the credit. */
export function statementLines(figures: PeriodFigures, plan: { target: number; maintenanceNoticeHours: number }): string[] {
  const lines = [creditSentence(figures, plan.target)];
  for (const c of figures.components) {
    if (c.availability !== null) lines.push(`${c.name}: ${formatUptime(c.availability)} % available, ${minutes(minutesUp(c.downtimeMs))} of downtime.`);
  }
  for (const i of figures.incidents) lines.push(`Incident "${i.title}": ${minutes(i.downtimeMinutes)} of downtime.`);
  lines.push(...maintenanceLines(figures, plan));
  if (figures.ladderStep)
    lines.push(
      `Credit step: availability below ${figures.ladderStep.below} % earns ${figures.ladderStep.credit} %${figures.creditPercent < figures.ladderStep.credit ? `, capped at ${figures.creditPercent} %` : ''}.`,
    );
  return lines;
}
