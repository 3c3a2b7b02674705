import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../db/client.ts';
import { createApiKey } from '../api/services/keys/api-keys.ts';
import { SYSTEM_ACTOR, type ServiceContext } from '../api/services/context.ts';
import { createComponentGroup } from '../api/services/component-groups/create.ts';
import { createComponent } from '../api/services/components/create.ts';
import { declareIncident } from '../api/services/incidents/declare.ts';
import { postIncidentUpdate } from '../api/services/incidents/post-update.ts';
import type { ComponentStatus } from '../api/domain/component/status.ts';
import type { Severity } from '../api/domain/incident/lifecycle.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

/** A deterministic pseudo-random sequence, so every bench run measures the same page. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A temp folder with a database file holding the large page (below) and an admin API key; the caller closes it. */
export async function benchDatabase(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `candor-${name}-`));
  const databaseUrl = `file:${join(dir, 'candor.db')}`;
  const database = await createDb(databaseUrl);
  await database.migrate();
  const ctx = { database, now: () => new Date() };
  await seedLargePage(ctx);
  const { secret } = await createApiKey(ctx, { name: 'bench', scopes: ['admin'] });
  return { dir, databaseUrl, database, secret };
}

/**
 * A realistic large page, written through the services with the clock set in the past:
 * `groups` × `perGroup` components, `incidents` resolved incidents spread over `days`
 * days, and `open` incidents still going on.
 */
export async function seedLargePage(ctx: ServiceContext, options = { groups: 6, perGroup: 5, incidents: 200, days: 90, open: 2 }): Promise<void> {
  const now = ctx.now().getTime();
  const rand = random(42);
  const at = (ms: number): ServiceContext => ({ database: ctx.database, now: () => new Date(ms) });
  const start = now - (options.days + 5) * DAY;
  const componentIds: string[] = [];
  for (let g = 0; g < options.groups; g++) {
    const group = await createComponentGroup(at(start), SYSTEM_ACTOR, { name: `Region ${g + 1}`, position: g });
    for (let c = 0; c < options.perGroup; c++) {
      const component = await createComponent(at(start), SYSTEM_ACTOR, {
        name: `Service ${g + 1}.${c + 1}`,
        description: `Component ${c + 1} of region ${g + 1}`,
        groupId: group.id,
        position: c,
      });
      componentIds.push(component.id);
    }
  }
  const pick = () => componentIds[Math.floor(rand() * componentIds.length)]!;
  const severities: Severity[] = ['SEV-1', 'SEV-2', 'SEV-2', 'SEV-3', 'SEV-4'];
  const impacts: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage'];
  const span = options.days * DAY;
  for (let i = 0; i < options.incidents + options.open; i++) {
    const open = i >= options.incidents;
    const declared = open
      ? now - (10 + i * 7) * MINUTE
      : now - span + Math.floor((i / options.incidents) * (span - DAY)) + Math.floor(rand() * 6 * 60) * MINUTE;
    const severity = open ? 'SEV-2' : severities[Math.floor(rand() * severities.length)]!;
    const named = [...new Set([pick(), pick()])].map((id) => ({ id, status: impacts[Math.floor(rand() * impacts.length)]! }));
    // Internal (SEV-4) incidents cannot move what the public page shows.
    const components = severity === 'SEV-4' ? [] : named;
    const incident = await declareIncident(at(declared), SYSTEM_ACTOR, {
      title: `Incident ${i + 1}: elevated errors in ${named.length} component(s)`,
      severity,
      customerVisible: true,
      startedAt: new Date(declared - Math.floor(rand() * 10) * MINUTE),
      body: 'We are investigating reports of elevated error rates. More soon.',
      components,
    });
    const step = (5 + Math.floor(rand() * 40)) * MINUTE;
    await postIncidentUpdate(at(declared + step), SYSTEM_ACTOR, incident.id, { status: 'identified', body: 'We have found the cause and are applying a fix.' });
    if (open) continue;
    await postIncidentUpdate(at(declared + 2 * step), SYSTEM_ACTOR, incident.id, {
      status: 'monitoring',
      body: 'A fix is in place; we are watching the results.',
    });
    await postIncidentUpdate(at(declared + 3 * step), SYSTEM_ACTOR, incident.id, {
      status: 'resolved',
      body: 'Error rates are back to normal. This incident is resolved.',
    });
  }
}
