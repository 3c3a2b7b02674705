import type { APIRoute } from 'astro';
import { csvResponse } from '../../../lib/console';
import { csv, slaRows } from '../../../lib/reports';

/** The SLA report, one row per customer. */
export const GET: APIRoute = (Astro) =>
  csvResponse(
    async () =>
      csv(
        (await slaRows(Astro, Astro.url)).map((r) => ({
          customer: r.customer.name,
          plan: r.plan.name,
          target: r.plan.target,
          period_from: r.period.from,
          period_to: r.period.to,
          final: r.period.final,
          availability: r.availability,
          downtime_minutes: r.downtime_minutes,
          credit_percent: r.credit_percent,
        })),
      ),
    'sla.csv',
  );
