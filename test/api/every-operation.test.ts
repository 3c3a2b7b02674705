// Every admin API operation its OpenAPI document lists, sent what typos, wrong tools and attackers
// send: each answer is a 4xx problem+json (a 422 names its fields), never a 5xx. Each body starts
// from one the document's schema allows (made here from the schema), so that one wrong field at a
// time reaches as deep as it can: past validation into the services, with the other fields right.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
  default?: unknown;
}
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query'; schema: Schema }[];
  body: Schema | null;
}

let t: TestApp;
let operations: Operation[];
/** A real id of each kind, by the path's first segment. */
const ids: Record<string, string> = {};

// The test clock stands at 2026-11-02T10:00Z: what has begun is before it, what is planned after.
const PAST = '2026-11-02T09:00:00Z';
const SOON = '2026-11-03T10:00:00Z';
const LATER = '2026-11-03T12:00:00Z';

/** Fields that name another resource, by their name: the real one of that kind once it exists. */
const REFERENCES: [RegExp, string][] = [
  [/plan/, 'sla-plans'],
  [/group/, 'component-groups'],
  [/component/, 'components'],
  [/customer/, 'customers'],
  [/template/, 'templates'],
];

/** Strings that fit common patterns, tried in order against a schema's pattern. */
const PATTERN_CANDIDATES = ['x', '1', 'ops@example.com', 'critical', 'API', '2026-10', 'https://hooks.example.com/x', 'a1'];

/** A value `schema` accepts (as far as the schema can say), for the field named `name`. */
function valid(schema: Schema, name = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return valid(choices.find((c) => c.type !== 'null') ?? choices[0]!, name);
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key) => [key, valid(schema.properties?.[key] ?? {}, key)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => valid(schema.items ?? {}, name));
    case 'integer':
    case 'number':
      // A whole number's schema carries the safe-integer range as its bounds: 1 fits those.
      if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + 1;
      return schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER ? schema.minimum : Math.min(1, schema.maximum ?? 1);
    case 'boolean':
      return true;
    case 'string': {
      const reference = REFERENCES.find(([pattern]) => pattern.test(name));
      if (reference && ids[reference[1]]) return ids[reference[1]];
      if (schema.format === 'date-time') return /until|end|to$/.test(name) ? LATER : /scheduled|start.*for|from/.test(name) ? SOON : PAST;
      if (schema.format === 'email') return 'ops@example.com';
      if (schema.format === 'uri' || /url/.test(name)) return 'https://hooks.example.com/candor';
      if (schema.pattern) return PATTERN_CANDIDATES.find((c) => new RegExp(schema.pattern!).test(c)) ?? 'x';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
    default:
      return 'x';
  }
}

/** What a field should never be, or sometimes is by mistake: every type, empty, huge, control characters, impossible dates. */
const WRONG: unknown[] = [
  null,
  '',
  ' ',
  'x'.repeat(20_000),
  'a\u0000b',
  -1,
  0,
  1.5,
  1e308,
  true,
  [],
  [null],
  {},
  { nested: { deep: [1] } },
  '2026-02-30T25:61:00Z',
  '../../etc/passwd',
  'nosuch',
];

/** Bodies that are not the JSON object an operation takes. */
const RAW_BODIES = [
  '',
  'not json',
  '{',
  '[]',
  'null',
  '"x"',
  '1',
  '{"__proto__":{"polluted":true}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  '{"a":1,"a":2}',
];

/** Path ids that name nothing, or nothing sensible. */
const WRONG_IDS = ['nosuch', 'x'.repeat(500), '%00', '%E0%A4%A', '..%2F..%2Fhealthz', '%F0%9F%92%A5', 'a%20b'];

/** Query values of every wrong shape. */
const WRONG_QUERY = ['', 'x', '-1', '0x10', '1e3', '99999999999999999999999', '%00', '2026-13-01', 'a%5B%5D'];

beforeAll(async () => {
  t = await createTestApp();
  const doc = (await t.call('GET', '/openapi.json', { key: null })).json as {
    paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema ?? null,
    })),
  );
  // One of each resource, made from the schema's own valid body: the operations on `{id}` then
  // reach a real row. (Each must be accepted, or the test would only ever reach validation.)
  for (const kind of ['components', 'component-groups', 'incidents', 'maintenances', 'subscribers', 'sla-plans', 'customers', 'templates', 'integrations']) {
    const create = operations.find((o) => o.method === 'POST' && o.path === `/${kind}`)!;
    const res = await t.call('POST', `/${kind}`, { body: valid(create.body!) });
    expect({ kind, status: res.status, body: res.json }).toMatchObject({ kind, status: 201, body: {} });
    ids[kind] = res.json.id;
  }
}, 60_000);
afterAll(() => t?.cleanup());

/** The request's path with `id` in place of `{id}`, and `query` appended. */
const pathOf = (op: Operation, id?: string, query = '') => {
  const real = ids[op.path.split('/')[1]!] ?? 'nosuch';
  return `${op.path.replace('{id}', id ?? real)}${query ? `?${query}` : ''}`;
};

/** Sends one request; adds to `problems` what is wrong with its answer, if anything. */
async function check(problems: string[], method: string, path: string, body?: unknown): Promise<void> {
  const sent = typeof body === 'string' ? body.slice(0, 60) : JSON.stringify(body)?.slice(0, 120);
  const res = await t.call(method, path, { body }).catch((err: unknown) => String(err));
  if (typeof res === 'string') problems.push(`${method} ${path} ${sent}: the answer is not JSON (${res})`);
  else if (res.status >= 500) problems.push(`${method} ${path} ${sent}: ${res.status} ${res.text.slice(0, 200)}`);
  else if (res.status >= 400 && res.headers.get('content-type') !== 'application/problem+json')
    problems.push(`${method} ${path} ${sent}: ${res.status} not problem+json`);
  else if (res.status === 422 && !(res.json.errors?.length > 0 && res.json.errors.every((e: { path?: string }) => typeof e.path === 'string')))
    problems.push(`${method} ${path} ${sent}: 422 without the fields named`);
}

// Deletions last: the other operations on `{id}` reach the real rows first.
const ordered = () => [...operations].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

test('every body an operation should refuse is refused with a 4xx naming the field, never a 5xx', async () => {
  const problems: string[] = [];
  let reachedServices = 0;
  for (const op of ordered().filter((o) => o.body)) {
    const base = valid(op.body!) as Record<string, unknown>;
    for (const raw of RAW_BODIES) await check(problems, op.method, pathOf(op), raw);
    for (const field of Object.keys(op.body!.properties ?? {})) {
      for (const wrong of WRONG) await check(problems, op.method, pathOf(op), { ...base, [field]: wrong });
    }
    if ((await t.call(op.method, pathOf(op), { body: base })).status < 300) reachedServices++;
  }
  expect(problems).toEqual([]);
  // The schema-made bodies are accepted by nearly every operation (the rest refuse them for the
  // record's state: publishing what is not a draft, reopening what is open): the wrong fields
  // above were sent alongside right ones, into the services.
  expect(reachedServices).toBeGreaterThanOrEqual(Math.floor(operations.filter((o) => o.body).length * 0.8));
}, 300_000);

test('every id and query value that names nothing gets a 4xx, never a 5xx', async () => {
  const problems: string[] = [];
  for (const op of ordered()) {
    const body = op.body ? valid(op.body) : undefined;
    if (op.path.includes('{id}')) for (const id of WRONG_IDS) await check(problems, op.method, pathOf(op, id), body);
    for (const param of op.parameters.filter((p) => p.in === 'query')) {
      // Each wrong value, the same parameter twice, and as an array.
      for (const query of [...WRONG_QUERY.map((v) => `${param.name}=${v}`), `${param.name}=1&${param.name}=2`, `${param.name}[]=1`])
        await check(problems, op.method, pathOf(op, undefined, query), body);
    }
  }
  expect(problems).toEqual([]);
}, 300_000);
