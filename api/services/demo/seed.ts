import { components, incidents, settings } from '../../../db/schema/index.ts';
import { createComponentGroup } from '../component-groups/create.ts';
import { createComponent } from '../components/create.ts';
import { SYSTEM_ACTOR, type Actor, type ServiceContext } from '../context.ts';
import { declareIncident } from '../incidents/declare.ts';
import { postIncidentUpdate } from '../incidents/post-update.ts';
import { scheduleMaintenance } from '../maintenances/schedule.ts';
import { postMaintenanceUpdate } from '../maintenances/post-update.ts';
import { utcDayStart } from '../../domain/availability/uptime.ts';
import { DEMO_PLANS } from '../../domain/availability/sla.ts';
import { saveCustomer } from '../customers/customers.ts';
import { savePlan } from '../customers/plans.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Whether the database has no components and no incidents yet. */
export async function isEmpty(ctx: ServiceContext): Promise<boolean> {
  const { db } = ctx.database;
  const [c, i] = await Promise.all([db.select({ id: components.id }).from(components).limit(1), db.select({ id: incidents.id }).from(incidents).limit(1)]);
  return c.length === 0 && i.length === 0;
}

/**
 * Claims the one demo seeding of this database: true for the first instance to ask, false for
 * every other (several instances starting together on an empty database seed it once).
 */
export async function claimDemoSeed(ctx: ServiceContext): Promise<boolean> {
  const claimed = await ctx.database.db.insert(settings).values({ key: 'demo_seeded_at', value: ctx.now().toISOString() }).onConflictDoNothing();
  return claimed.rowsAffected === 1;
}

/**
 * Fills a realistic page through the same services operators use, each call at its own
 * point in the past, so the timeline (and every figure computed from it) is real.
 */
export async function seedDemo(ctx: ServiceContext, actor: Actor = { ...SYSTEM_ACTOR, name: 'demo' }): Promise<void> {
  const now = ctx.now().getTime();
  const at = (ms: number): ServiceContext => ({ database: ctx.database, now: () => new Date(ms), demo: true });
  const setup = at(now - 95 * DAY);

  const groups = {
    platform: await createComponentGroup(setup, actor, { name: 'Platform', position: 1 }),
    delivery: await createComponentGroup(setup, actor, { name: 'Delivery', position: 2 }),
  };
  const add = (name: string, description: string, groupId: string | null, position: number) =>
    createComponent(setup, actor, { name, description, groupId, position });
  const api = await add('API', 'REST and GraphQL endpoints', groups.platform.id, 1);
  const dashboard = await add('Dashboard', 'The web app at app.example.com', groups.platform.id, 2);
  const auth = await add('Authentication', 'Sign-in, SSO and API tokens', groups.platform.id, 3);
  const search = await add('Search', 'Full-text and faceted search', groups.platform.id, 4);
  const webhooks = await add('Webhooks', 'Outbound event delivery', groups.delivery.id, 1);
  await add('Email notifications', 'Transactional email', groups.delivery.id, 2);
  await add('Scheduled jobs', 'Cron-style jobs and reports', groups.delivery.id, 3);
  await add('Documentation', 'Guides and API reference', null, 10);

  // SLA plans modelled on published cloud ladders, and two customers on them.
  const plans = [];
  for (const plan of DEMO_PLANS) plans.push(await savePlan(setup, actor, plan));
  await saveCustomer(setup, actor, { name: 'Globex', contacts: ['ops@globex.example'], planId: plans[1]!.id, componentIds: [api.id, dashboard.id] });
  await saveCustomer(setup, actor, { name: 'Initech', contacts: ['it@initech.example'], planId: plans[0]!.id });

  // A resolved SEV-2 three days ago: impact began 13 minutes before it was declared.
  const declared = now - 3 * DAY - 6 * 60 * MINUTE;
  const past = await declareIncident(at(declared), actor, {
    title: 'Elevated API error rates',
    severity: 'SEV-2',
    startedAt: new Date(declared - 13 * MINUTE),
    body: 'We are seeing an elevated rate of 5xx responses from the API and slow dashboard loads. We are investigating.',
    components: [
      { id: api.id, status: 'partial_outage' },
      { id: dashboard.id, status: 'degraded_performance' },
    ],
    commander: 'oncall@example.com',
  });
  await postIncidentUpdate(at(declared + 27 * MINUTE), actor, past.id, {
    status: 'identified',
    body: 'A database failover left part of the API fleet with stale connections. We are recycling the affected instances.',
  });
  await postIncidentUpdate(at(declared + 65 * MINUTE), actor, past.id, {
    status: 'monitoring',
    body: 'All instances have been recycled and error rates are back to normal. We are watching closely.',
    components: [
      { id: api.id, status: 'operational' },
      { id: dashboard.id, status: 'operational' },
    ],
  });
  await postIncidentUpdate(at(declared + 103 * MINUTE), actor, past.id, {
    status: 'resolved',
    body: 'The API has been stable for over half an hour. Connection pools now revalidate after a failover, so this cannot recur the same way.',
  });

  // An open SEV-2, declared 25 minutes ago.
  const open = await declareIncident(at(now - 25 * MINUTE), actor, {
    title: 'Delayed webhook deliveries',
    severity: 'SEV-2',
    startedAt: new Date(now - 31 * MINUTE),
    body: 'Webhook deliveries are arriving up to 10 minutes late. No events have been lost. We are investigating.',
    components: [{ id: webhooks.id, status: 'degraded_performance' }],
    commander: 'oncall@example.com',
  });
  await postIncidentUpdate(at(now - 9 * MINUTE), actor, open.id, {
    status: 'identified',
    body: 'A backlog built up behind one slow receiving endpoint. We are isolating it so other deliveries can catch up.',
  });

  // Planned work: one done last week (started and completed on its clock), one coming up.
  const lastWeek = now - 8 * DAY;
  const patched = await scheduleMaintenance(at(lastWeek - 2 * DAY), actor, {
    title: 'Search cluster upgrade',
    body: 'We are upgrading the search cluster to a new major version. Search may return partial results for a few minutes while shards move.',
    scheduledFor: new Date(lastWeek),
    scheduledUntil: new Date(lastWeek + 90 * MINUTE),
    componentIds: [search.id],
    deliverNotifications: false,
  });
  await postMaintenanceUpdate(at(lastWeek), actor, patched.id, { status: 'in_progress', body: 'The upgrade has begun.', deliverNotifications: false });
  await postMaintenanceUpdate(at(lastWeek + 70 * MINUTE), actor, patched.id, {
    status: 'completed',
    body: 'The upgrade is complete; search is fully available.',
    deliverNotifications: false,
  });
  const saturday = utcDayStart(new Date(now + 3 * DAY)).getTime() + 2 * 60 * MINUTE;
  await scheduleMaintenance(ctx, actor, {
    title: 'Authentication database migration',
    body: 'We are moving sign-in data to a new database cluster. Sign-in and SSO may be unavailable for up to 30 minutes within this window; existing sessions and API tokens keep working.',
    scheduledFor: new Date(saturday),
    scheduledUntil: new Date(saturday + 2 * 60 * MINUTE),
    componentIds: [auth.id],
    deliverNotifications: false,
  });
}
