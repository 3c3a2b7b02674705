import type { Hono } from 'hono';
import type { AppContext, AppEnv, Authenticated } from './env.ts';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { allows, type Scope } from '../domain/access.ts';
import { ValidationFailed, type FieldError } from '../domain/errors.ts';
import { HttpProblem, PROBLEM_CODES } from '../problem.ts';
import type { Actor, ServiceContext } from '../services/context.ts';
import { fromApiJson, toApiJson, type CamelKeys } from './json-case.ts';
import { giveWay } from '../services/turns.ts';

type AnyObject = z.ZodType<Record<string, unknown>>;

/** One admin API operation: its HTTP shape, the scope it needs, and its zod schemas. */
export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI-style path relative to the API base, e.g. `/incidents/{id}`. */
  path: string;
  summary: string;
  tag: string;
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  response?: z.ZodType;
  status?: 200 | 201 | 204;
  /**
   * Also take the body as `text/csv` (a header row, then one object per row of strings), checked
   * against this schema instead of `body`: each kind of body is checked once, by its own schema.
   */
  acceptsCsv?: z.ZodType<z.output<B>>;
  /** A larger body than the API's 64 KB (an import). */
  maxBodyBytes?: number;
}

export interface HandlerInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: CamelKeys<z.output<P>>;
  query: CamelKeys<z.output<Q>>;
  body: CamelKeys<z.output<B>>;
  actor: Actor;
  ctx: ServiceContext;
  /** The page's name and public URL (for links in rendered emails). */
  site: () => Promise<{ pageName: string; publicUrl: string }>;
}

/** What the edge hands a route: the request's raw path parameters, query and body, and who asked. */
interface RawInput {
  params: unknown;
  query: unknown;
  body: unknown;
  /** The body is rows read from CSV (strings), for the route's `acceptsCsv` schema. */
  csv?: boolean;
  actor: Actor;
  ctx: ServiceContext;
  site: () => Promise<{ pageName: string; publicUrl: string }>;
}

export interface Route {
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType>;
  /** Validates the raw input against the spec's schemas (422 naming every bad field) and runs the handler. */
  run(input: RawInput): Promise<unknown>;
}

/** Declares a route; the handler gets validated, camelCased input and returns the service's result. */
export function route<
  P extends AnyObject = z.ZodObject<Record<string, never>>,
  Q extends AnyObject = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>, handler: (input: HandlerInput<P, Q, B>) => Promise<unknown>): Route {
  return {
    spec,
    async run(input) {
      const errors: FieldError[] = [];
      const params = spec.params ? validate(spec.params, input.params, errors) : {};
      const query = spec.query ? validate(spec.query, input.query, errors) : {};
      const body = spec.body ? await checkBody(input.csv && spec.acceptsCsv ? spec.acceptsCsv : spec.body, input.body, errors) : undefined;
      if (errors.length > 0) throw new ValidationFailed(errors);
      return handler({
        params: fromApiJson(params),
        query: fromApiJson(query),
        body: body as CamelKeys<z.output<B>>,
        actor: input.actor,
        ctx: input.ctx,
        site: input.site,
      });
    },
  };
}

/** The path of the whole request body, when no single field is to blame. */
export const BODY_PATH = '$';

/** `components.0.id` → `components[0].id`, the way the API names fields. */
function fieldPath(path: PropertyKey[]): string {
  const p = path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
  return p || BODY_PATH;
}

/**
 * Where `value` holds a string with a NUL character (SQLite text would end there: stored, it reads
 * back cut). Walked with a list of its own, not by recursion: a body of arrays nested a few
 * thousand deep (a few KB of `[`) is a 422 like any other, not the call stack's end.
 */
function nulPaths(value: unknown, at: PropertyKey[] = []): string[] {
  interface Step {
    value: unknown;
    key?: PropertyKey;
    parent?: Step;
  }
  const found: string[] = [];
  const todo: Step[] = [{ value }];
  for (let step = todo.pop(); step; step = todo.pop()) {
    const v = step.value;
    if (typeof v === 'string') {
      if (!v.includes('\u0000')) continue;
      const path: PropertyKey[] = [];
      for (let s: Step | undefined = step; s?.parent; s = s.parent) path.unshift(s.key!);
      found.push(fieldPath([...at, ...path]));
    } else if (v && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((item, i) => [i, item] as const) : Object.entries(v);
      // Pushed last to first: the fields are reported in the body's order.
      for (let i = entries.length - 1; i >= 0; i--) todo.push({ value: entries[i]![1], key: entries[i]![0], parent: step });
    }
  }
  return found;
}

/** `value` checked against `schema`: its output, or undefined with every bad field added to `errors` (paths under `at`). */
function validate<S extends z.ZodType>(schema: S, value: unknown, errors: FieldError[], at: PropertyKey[] = []): z.output<S> {
  const nul = nulPaths(value, at);
  if (nul.length) {
    errors.push(...nul.map((path) => ({ path, message: 'must not contain a NUL character' })));
    return undefined as z.output<S>;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  errors.push(...fieldErrors(result.error, at));
  return undefined as z.output<S>;
}

/** A failed check's issues as the API names them (paths under `at`; each unknown key its own). */
function fieldErrors(error: z.ZodError, at: PropertyKey[]): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: fieldPath([...at, ...issue.path, key]), message: 'unknown field' }))
      : [{ path: fieldPath([...at, ...issue.path]), message: issue.message }],
  );
}

/** Arrays longer than this are checked this many elements at a time. */
const SLICE = 1000;

/**
 * The body checked against `schema` and camelCased. An array body of many elements (an import's
 * 100 000 rows) is checked a slice at a time, the loop turning between slices (`giveWay`): in
 * one go it held every page's visitors for a second.
 */
async function checkBody<S extends z.ZodType>(schema: S, value: unknown, errors: FieldError[]): Promise<unknown> {
  if (!(schema instanceof z.ZodArray) || !Array.isArray(value) || value.length <= SLICE) return fromApiJson(validate(schema, value, errors));
  // The array's own bounds (its length), then its elements.
  const bounds = schema.clone({ ...schema.def, element: z.unknown() }).safeParse(value);
  if (!bounds.success) {
    errors.push(...fieldErrors(bounds.error, []));
    return undefined;
  }
  const out: unknown[] = [];
  for (let from = 0; from < value.length; from += SLICE) {
    await giveWay();
    for (let i = from; i < Math.min(from + SLICE, value.length); i++) out.push(fromApiJson(validate(schema.element as z.ZodType, value[i], errors, [i])));
  }
  return out;
}

async function readJsonBody(c: AppContext, acceptsCsv = false): Promise<{ body: unknown; csv?: boolean }> {
  const text = await c.req.text();
  if (text.trim() === '') return { body: undefined };
  const type = c.req.header('content-type') ?? '';
  if (acceptsCsv && /^text\/csv\b/i.test(type)) return { body: await parseCsv(text), csv: true };
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpProblem('unsupported_media_type', 'Send the body as application/json', [
      { path: 'Content-Type', message: `expected application/json, got ${type || 'nothing'}` },
    ]);
  }
  try {
    return { body: JSON.parse(text) };
  } catch (err) {
    throw new HttpProblem('malformed_json', 'The body is not valid JSON', [{ path: BODY_PATH, message: (err as Error).message }]);
  }
}

/** How much of a CSV body the parser takes between turns of the loop. */
const CSV_PIECE = 64 * 1024;

/**
 * RFC 4180 CSV with a header row → one object per row, fields trimmed, blank rows skipped; 400
 * when it does not parse. Parsed a piece at a time, the loop turning between pieces (an import's
 * 100 000 rows would hold it for a fifth of a second).
 */
export async function parseCsv(text: string): Promise<Record<string, string>[]> {
  let header: string[] | undefined;
  const rows: Record<string, string>[] = [];
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true, trim: true });
  parser.on('data', (r: string[]) => {
    if (header) rows.push(Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
    else header = r;
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  ended.catch(() => undefined); // awaited below; a failure meanwhile stops the writing
  try {
    for (let at = 0; at < text.length && !parser.destroyed; at += CSV_PIECE) {
      parser.write(text.slice(at, at + CSV_PIECE));
      await giveWay();
    }
    parser.end();
    await ended;
  } catch (err) {
    throw new HttpProblem('malformed_csv', 'The body is not valid CSV', [{ path: BODY_PATH, message: (err as Error).message }]);
  }
  return rows;
}

/** Mounts routes on `app`; each checks the scope before reading anything of the request. */
export function mountRoutes(
  app: Hono<AppEnv>,
  routes: Route[],
  deps: { ctx: ServiceContext; authenticate(c: AppContext): Promise<Authenticated>; site: () => Promise<{ pageName: string; publicUrl: string }> },
): void {
  for (const { spec, run } of routes) {
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const auth = await deps.authenticate(c);
      if (!allows(auth.scopes, spec.scope)) {
        throw new HttpProblem('forbidden', `This API key lacks the ${spec.scope} scope`, [
          { path: 'Authorization', message: `needs scope ${spec.scope} (or admin); key has ${auth.scopes.join(', ')}` },
        ]);
      }
      const { body, csv } = spec.body ? await readJsonBody(c, spec.acceptsCsv !== undefined) : { body: undefined };
      const result = await run({ params: c.req.param(), query: c.req.query(), body, csv, actor: auth.actor, ctx: deps.ctx, site: deps.site });
      if (spec.status === 204) return c.body(null, 204);
      const json = toApiJson(result);
      return c.json(spec.response ? spec.response.parse(json) : json, spec.status ?? 200);
    });
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

function parametersOf(schema: AnyObject | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: Route[], info: { title: string; version: string; basePath: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of routes) {
    const responses: Record<string, unknown> = {
      '4XX': { description: 'Client mistake', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    };
    responses[String(spec.status ?? 200)] =
      spec.status === 204
        ? { description: 'Done' }
        : { description: 'OK', content: { 'application/json': { schema: spec.response ? jsonSchema(spec.response, 'output') : {} } } };
    paths[spec.path] ??= {};
    paths[spec.path]![spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ bearer: [spec.scope] }],
      parameters: [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')],
      ...(spec.body && {
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: jsonSchema(spec.body, 'input') },
            ...(spec.acceptsCsv && { 'text/csv': { schema: { type: 'string', description: 'a header row, then one row per item' } } }),
          },
        },
      }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    servers: [{ url: info.basePath }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `npm run candor -- keys create`' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code', 'errors'],
          properties: {
            type: { type: 'string', description: 'the page that explains the code: /problems/<code>' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string', enum: PROBLEM_CODES },
            request_id: { type: ['string', 'null'] },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
  };
}

/**
 * Runs one admin API operation for a console user whose role grants `scopes`: the same schema,
 * rule and service as the API, so the console has no second path around a rule. Returns the
 * service's result (camelCase).
 */
export function callRoute(
  routes: Route[],
  operation: `${RouteSpec<AnyObject, AnyObject, z.ZodType>['method']} ${string}`,
  input: Omit<RawInput, 'query'> & { query?: unknown; scopes: readonly string[] },
): Promise<unknown> {
  const [method, path] = operation.split(' ');
  const found = routes.find((r) => r.spec.method === method && r.spec.path === path);
  if (!found) throw new Error(`no admin operation ${operation}`);
  if (!allows(input.scopes, found.spec.scope)) {
    throw new HttpProblem('forbidden', `Your role cannot do this (it needs ${found.spec.scope})`, [{ path: 'role', message: `needs ${found.spec.scope}` }]);
  }
  return found.run({ ...input, query: input.query ?? {} });
}
