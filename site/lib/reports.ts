// The two reports as the admin API answers them (snake_case), for the console's tables, charts and CSV.
import { stringify } from 'csv-stringify/sync';
import { toApiJson } from '../../api/routes/json-case.ts';
import { act, utcInput } from './console';

export interface CommunicationReport {
  from: string;
  to: string;
  by_severity: {
    severity: string;
    incidents: number;
    minutes_to_first_public_update: { median: number | null; p90: number | null };
    updates_on_time: number;
    updates_late: number;
    on_time_share: number | null;
    worst_lateness_minutes: { median: number | null; p90: number | null; max: number | null };
    postmortems_on_time: number;
    postmortems_late: number;
  }[];
  incidents: Record<string, unknown>[];
}

export interface SlaRow {
  customer: { id: string; name: string };
  plan: { name: string; target: number };
  period: { from: string; to: string; final: boolean };
  availability: number | null;
  availability_text: string | null;
  downtime_minutes: number;
  credit_percent: number;
}

/** The communication report for the `from`/`to` (UTC dates) the page asked for. */
export async function communicationReport(Astro: { locals: App.Locals }, url: URL): Promise<CommunicationReport> {
  const day = (name: string) => {
    const v = url.searchParams.get(name);
    return v ? (utcInput(`${v}T00:00`) ?? v) : undefined;
  };
  const query = { ...(day('from') && { from: day('from') }), ...(day('to') && { to: day('to') }) };
  return toApiJson(await act(Astro, 'get /reports/communication', { query })) as CommunicationReport;
}

export async function slaRows(Astro: { locals: App.Locals }, url: URL): Promise<SlaRow[]> {
  const period = url.searchParams.get('period');
  return (toApiJson(await act(Astro, 'get /reports/sla', { query: period ? { period } : {} })) as { data: SlaRow[] }).data;
}

/** Rows as CSV, header first; nested values as JSON. */
export function csv(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return stringify([columns, ...rows.map((r) => columns.map((c) => cell(r[c])))]);
}
