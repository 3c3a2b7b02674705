import type { APIRoute } from 'astro';
import { csvResponse } from '../../../lib/console';
import { communicationReport, csv } from '../../../lib/reports';

/** The communication report, one row per incident, as the API states it. */
export const GET: APIRoute = (Astro) => csvResponse(async () => csv((await communicationReport(Astro, Astro.url)).incidents), 'communication.csv');
