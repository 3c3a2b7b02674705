import { z } from 'zod';
import { deleteCustomer, getCustomer, importCustomers, listCustomers, saveCustomer } from '../../services/customers/customers.ts';
import { deletePlan, getPlan, listPlans, savePlan } from '../../services/customers/plans.ts';
import { slaReport } from '../../services/customers/sla-report.ts';
import { DEFAULT_DOWNTIME_WEIGHTS } from '../../domain/availability/uptime.ts';
import { DEFAULT_MAINTENANCE_NOTICE_HOURS, SLA_AGGREGATES } from '../../domain/availability/sla.ts';
import { route } from '../define.ts';
import { customerEmail } from '../../services/customers/emails.ts';
import { listStatements, previewStatement } from '../../services/customers/statements.ts';
import { getIncident } from '../../services/incidents/get.ts';
import { id, idParams, page, timestamp } from './schemas.ts';

const weight = z.number().min(0).max(1);
const planInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  target: z.number().describe('committed availability in %, e.g. 99.9'),
  ladder: z
    .array(z.strictObject({ below: z.number(), credit: z.number() }))
    .max(20)
    .describe('below X % → Y % credit, by strictly descending X'),
  cap: z.number().describe('most credit for one period, in %'),
  weights: z
    .strictObject({ operational: weight, degraded_performance: weight, partial_outage: weight, major_outage: weight })
    .default(DEFAULT_DOWNTIME_WEIGHTS)
    .describe('how much of an interval at each status is downtime'),
  maintenance_notice_hours: z
    .int()
    .default(DEFAULT_MAINTENANCE_NOTICE_HOURS)
    .describe(
      'maintenance is excluded from availability only when announced at least this long before it starts; otherwise it counts as downtime (default 48)',
    ),
  aggregate: z
    .enum(SLA_AGGREGATES)
    .default('worst')
    .describe("a customer's availability over several components: the worst one, or the mean weighted by measured time"),
});
const plan = z.object({
  id,
  name: z.string(),
  target: z.number(),
  ladder: z.array(z.object({ below: z.number(), credit: z.number() })),
  cap: z.number(),
  weights: z.object({ operational: z.number(), degraded_performance: z.number(), partial_outage: z.number(), major_outage: z.number() }),
  maintenance_notice_hours: z.int(),
  aggregate: z.enum(SLA_AGGREGATES),
  created_at: timestamp,
  updated_at: timestamp,
});

const customerInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  contacts: z.array(z.email('not an email address')).min(1).max(50),
  plan_id: id,
  component_ids: z.array(id).max(500).optional().describe('absent or empty: every component'),
  billing_anchor_day: z.int().min(1).max(31).nullable().optional().describe('billing periods start on this day of the month; null: calendar months'),
});
// CSV rows arrive as strings: contacts and component_ids separated by semicolons or spaces.
const list = (v: string | undefined) => (v ? v.split(/[;\s]+/).filter(Boolean) : undefined);
const customerCsvRow = z
  .object({ name: z.string(), contacts: z.string(), plan_id: z.string(), component_ids: z.string().optional(), billing_anchor_day: z.string().optional() })
  .transform(
    (r): z.input<typeof customerInput> => ({
      name: r.name,
      contacts: list(r.contacts) ?? [],
      plan_id: r.plan_id,
      ...(r.component_ids ? { component_ids: list(r.component_ids) } : {}),
      ...(r.billing_anchor_day ? { billing_anchor_day: Number(r.billing_anchor_day) } : {}),
    }),
  )
  .pipe(customerInput);

const customer = z.object({
  id,
  name: z.string(),
  contacts: z.array(z.string()),
  plan_id: id,
  component_ids: z.array(id).nullable(),
  billing_anchor_day: z.int().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});
// Weights are keyed by component status, which the JSON case translation would camelCase.
type CamelWeights = { operational: number; degradedPerformance: number; partialOutage: number; majorOutage: number };
const planTerms = <T extends { weights: CamelWeights }>(body: T) => ({
  ...body,
  weights: {
    operational: body.weights.operational,
    degraded_performance: body.weights.degradedPerformance,
    partial_outage: body.weights.partialOutage,
    major_outage: body.weights.majorOutage,
  },
});

const shapeCustomer = ({ allComponents: _, ...c }: Awaited<ReturnType<typeof getCustomer>>) => c;

const reportFigures = {
  period: z.object({
    from: timestamp,
    to: timestamp,
    measured_until: timestamp,
    final: z.boolean().describe('false while the period runs: the time still to come counts as up'),
  }),
  components: z.array(
    z.object({ id, name: z.string(), availability: z.number().nullable(), availability_text: z.string().nullable(), downtime_minutes: z.number() }),
  ),
  availability: z.number().nullable(),
  availability_text: z.string().nullable().describe('a percentage truncated to 2 decimals: never rounded up'),
  downtime_minutes: z.number().describe('whole minutes, rounded up'),
  below_target: z.boolean(),
  incidents: z
    .array(z.object({ id, title: z.string(), downtime_minutes: z.number() }))
    .describe('every incident that held a component in scope, with the downtime it held it through'),
  maintenances: z
    .array(z.object({ id, title: z.string(), excluded: z.boolean(), minutes: z.number() }))
    .describe('maintenance excluded from availability, or counted as downtime when announced too late for the plan'),
  ladder_step: z.object({ below: z.number(), credit: z.number() }).nullable(),
  credit_percent: z.number(),
};

export const customerRoutes = [
  route({ method: 'get', path: '/sla-plans', summary: 'List SLA plans', tag: 'SLA plans', scope: 'read', response: page(plan) }, async ({ ctx }) => ({
    data: await listPlans(ctx),
    nextCursor: null,
  })),
  route(
    { method: 'post', path: '/sla-plans', summary: 'Create an SLA plan', tag: 'SLA plans', scope: 'admin', body: planInput, response: plan, status: 201 },
    async ({ ctx, actor, body }) => savePlan(ctx, actor, planTerms(body)),
  ),
  route(
    { method: 'get', path: '/sla-plans/{id}', summary: 'Get an SLA plan', tag: 'SLA plans', scope: 'read', params: idParams, response: plan },
    async ({ ctx, params }) => getPlan(ctx, params.id),
  ),
  route(
    {
      method: 'put',
      path: '/sla-plans/{id}',
      summary: 'Replace an SLA plan',
      tag: 'SLA plans',
      scope: 'admin',
      params: idParams,
      body: planInput,
      response: plan,
    },
    async ({ ctx, actor, params, body }) => savePlan(ctx, actor, planTerms(body), params.id),
  ),
  route(
    {
      method: 'delete',
      path: '/sla-plans/{id}',
      summary: 'Delete an SLA plan no customer is on',
      tag: 'SLA plans',
      scope: 'admin',
      params: idParams,
      status: 204,
    },
    async ({ ctx, actor, params }) => deletePlan(ctx, actor, params.id),
  ),

  route({ method: 'get', path: '/customers', summary: 'List customers', tag: 'Customers', scope: 'read', response: page(customer) }, async ({ ctx }) => ({
    data: (await listCustomers(ctx)).map(shapeCustomer),
    nextCursor: null,
  })),
  route(
    {
      method: 'post',
      path: '/customers',
      summary: 'Create a customer',
      tag: 'Customers',
      scope: 'admin',
      body: customerInput,
      response: customer,
      status: 201,
    },
    async ({ ctx, actor, body }) => shapeCustomer(await saveCustomer(ctx, actor, body)),
  ),
  route(
    {
      method: 'post',
      path: '/customers/import',
      summary: 'Import customers: a JSON array, or text/csv with a header row (name,contacts,plan_id,component_ids,billing_anchor_day); all or nothing',
      tag: 'Customers',
      scope: 'admin',
      body: z.array(customerInput).min(1).max(10_000),
      acceptsCsv: z.array(customerCsvRow).min(1).max(10_000),
      response: z.object({ imported: z.int() }),
    },
    async ({ ctx, actor, body }) => importCustomers(ctx, actor, body),
  ),
  route(
    { method: 'get', path: '/customers/{id}', summary: 'Get a customer', tag: 'Customers', scope: 'read', params: idParams, response: customer },
    async ({ ctx, params }) => shapeCustomer(await getCustomer(ctx, params.id)),
  ),
  route(
    {
      method: 'put',
      path: '/customers/{id}',
      summary: 'Replace a customer',
      tag: 'Customers',
      scope: 'admin',
      params: idParams,
      body: customerInput,
      response: customer,
    },
    async ({ ctx, actor, params, body }) => shapeCustomer(await saveCustomer(ctx, actor, body, params.id)),
  ),
  route(
    { method: 'delete', path: '/customers/{id}', summary: 'Delete a customer', tag: 'Customers', scope: 'admin', params: idParams, status: 204 },
    async ({ ctx, actor, params }) => deleteCustomer(ctx, actor, params.id),
  ),

  route(
    {
      method: 'get',
      path: '/reports/sla',
      summary:
        'Per customer: availability in the billing period, downtime, its incidents and maintenance, and the credit owed (default: the current period, where the figures are what is already certain)',
      tag: 'Reports',
      scope: 'read',
      query: z.object({
        period: z.string().max(7).optional().describe('YYYY-MM'),
        aggregate: z
          .enum(SLA_AGGREGATES)
          .optional()
          .describe("override each plan's aggregate: the worst component in scope, or the mean weighted by measured time"),
      }),
      response: z.object({
        data: z.array(
          z.object({
            customer: z.object({ id, name: z.string() }),
            plan: z.object({ id, name: z.string(), target: z.number() }),
            ...reportFigures,
          }),
        ),
      }),
    },
    async ({ ctx, query }) => ({ data: await slaReport(ctx, query.period, undefined, query.aggregate) }),
  ),
];

export const statementRoutes = [
  route(
    {
      method: 'get',
      path: '/customers/{id}/statements',
      summary: 'The period statements a customer was sent or has queued (one per contact per closed billing period), newest first',
      tag: 'Customers',
      scope: 'read',
      params: idParams,
      response: page(
        z.object({
          period: z.object({ from: timestamp, to: timestamp }),
          queued_at: timestamp,
          last_sent_at: timestamp.nullable(),
          recipients: z.int(),
          sent: z.int(),
          failed: z.int(),
        }),
      ),
    },
    async ({ ctx, params }) => ({ data: await listStatements(ctx, params.id), nextCursor: null }),
  ),
  route(
    {
      method: 'get',
      path: '/customers/{id}/statements/preview',
      summary: "Render a customer's period statement without sending it (default: the last closed period)",
      tag: 'Customers',
      scope: 'read',
      params: idParams,
      query: z.object({ period: z.string().max(7).optional().describe('YYYY-MM') }),
      response: z.object({ ...reportFigures, subject: z.string(), html: z.string(), text: z.string() }),
    },
    async ({ ctx, params, query, site }) => previewStatement(ctx, params.id, query.period, await site()),
  ),
];

export const customerEmailPreviewRoute = route(
  {
    method: 'get',
    path: '/incidents/{id}/customer-emails/preview',
    summary: "Render a customer's email about an incident (the resolution email once resolved) without sending it",
    tag: 'Customers',
    scope: 'read',
    params: idParams,
    query: z.object({ customer: id, kind: z.enum(['notice', 'resolution']).optional() }),
    response: z.object({ subject: z.string(), html: z.string(), text: z.string() }),
  },
  async ({ ctx, params, query, site }) => {
    const incident = await getIncident(ctx, params.id);
    const kind = query.kind ?? (incident.status === 'resolved' ? 'resolution' : 'notice');
    return customerEmail(ctx, { customerId: query.customer, incidentId: incident.id, kind }, await site());
  },
);
