// What console pages share: the session cookie, forms → API input, field errors, the caller.
import type { AstroGlobal } from 'astro';
import { allows, ROLE_SCOPE, SESSION_LIMITS, type Scope } from '../../api/domain/access.ts';
import { DomainError, type FieldError } from '../../api/domain/errors.ts';
import { HttpProblem } from '../../api/problem.ts';
import { adminRoutes } from '../../api/routes/admin/index.ts';
import { callRoute } from '../../api/routes/define.ts';
import { WriteConflict } from '../../db/client.ts';
import { sessionActor } from '../../api/services/users/sessions.ts';

/** `__Host-` pins the cookie to this origin over https; plain http (development) cannot use it. */
export const sessionCookie = (publicUrl: string) => (publicUrl.startsWith('https:') ? '__Host-candor_session' : 'candor_session');

export function setSessionCookie(Astro: AstroGlobal, token: string): void {
  const url = Astro.locals.site.url;
  Astro.cookies.set(sessionCookie(url), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: url.startsWith('https:'),
    maxAge: SESSION_LIMITS.absoluteMs / 1000,
  });
}

export function clearSessionCookie(Astro: AstroGlobal): void {
  Astro.cookies.delete(sessionCookie(Astro.locals.site.url), { path: '/' });
}

/** The signed-in user's session; the middleware let the request through only with one. */
/** What the helpers below read of a page or an endpoint: its locals. */
type Caller = { locals: App.Locals };

export function session(Astro: Caller) {
  const s = Astro.locals.console;
  if (!s) throw new Error('console page reached without a session');
  return s;
}

/** Whether the signed-in user's role may do what `scope` guards (the API's rule). */
export function can(Astro: Caller, scope: Scope): boolean {
  return allows([ROLE_SCOPE[session(Astro).user.role]], scope);
}

/** Runs an admin API operation as the signed-in user. */
export function act(Astro: Caller, operation: Parameters<typeof callRoute>[1], input: { params?: unknown; body?: unknown; query?: unknown; csv?: boolean }) {
  const { user } = session(Astro);
  return callRoute(adminRoutes, operation, {
    params: input.params ?? {},
    body: input.body,
    csv: input.csv,
    query: input.query,
    actor: { ...sessionActor(user), requestId: null },
    ctx: Astro.locals.candor,
    site: async () => ({ pageName: Astro.locals.site.name, publicUrl: Astro.locals.site.url }),
    scopes: [ROLE_SCOPE[user.role]],
  });
}

export interface Refusal {
  message: string;
  /** Field path → what is wrong with it. */
  fields: Record<string, string>;
  status: number;
}

/** A refused action as the form shows it: the rule's words, next to each field it names. */
export function refusal(err: unknown): Refusal {
  if (err instanceof DomainError || err instanceof HttpProblem) {
    const fields: Record<string, string> = {};
    for (const e of err.errors as FieldError[]) fields[e.path] ??= e.message;
    const status = err instanceof HttpProblem ? (err.code === 'forbidden' ? 403 : 400) : err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 422;
    return { message: err.message, fields, status };
  }
  if (err instanceof WriteConflict) return { message: 'Someone else changed this at the same moment; check and try again.', fields: {}, status: 409 };
  throw err;
}

/** Runs a form's action: its result, or the refusal to show (and the response status set). */
export async function attempt<T>(Astro: AstroGlobal, action: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; refusal: Refusal }> {
  try {
    return { ok: true, value: await action() };
  } catch (err) {
    const r = refusal(err);
    Astro.response.status = r.status;
    return { ok: false, refusal: r };
  }
}

/** A CSV download named `name`; a query the API refuses (a bad period, a filter that is no state) is its 4xx in plain words, not a 500. */
export async function csvResponse(body: () => Promise<string | ReadableStream<Uint8Array>>, name: string): Promise<Response> {
  try {
    return new Response(await body(), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` } });
  } catch (err) {
    const r = refusal(err);
    const lines = [r.message, ...Object.entries(r.fields).map(([field, message]) => `${field}: ${message}`)];
    return new Response(`${lines.join('\n')}\n`, { status: r.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}

/** A form field as text (absent: empty). */
export const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

/** `<input type="datetime-local">` (read as UTC) → ISO 8601, or undefined when empty. */
export function utcInput(value: string): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value.length === 16 ? `${value}:00` : value}Z` : value;
}

/** Component rows of a form: `component:<id>` = a status, or empty for not affected. */
export function componentImpacts(form: FormData): { id: string; status: string }[] {
  const out: { id: string; status: string }[] = [];
  for (const [key, value] of form.entries()) {
    if (key.startsWith('component:') && String(value)) out.push({ id: key.slice('component:'.length), status: String(value) });
  }
  return out;
}

/** Where the console shows a resource the audit log names (null: nowhere of its own). */
export function resourceHref(type: string, id: string): string | null {
  const at: Record<string, string> = {
    incident: `/admin/incidents/${id}`,
    template: `/admin/templates/${id}`,
    maintenance: `/admin/maintenances/${id}`,
    customer: `/admin/customers/${id}`,
    sla_plan: `/admin/sla-plans/${id}`,
    component: '/admin/components',
    component_group: '/admin/components',
    user: '/admin/users',
    policy: '/admin/policy',
    subscriber: `/admin/subscribers?id=${id}`,
    api_key: '/admin/settings#keys',
    settings: '/admin/settings',
  };
  return at[type] ?? null;
}

/** A GET form's fields as the API's query: empty fields left out. */
export function queryOf(url: URL, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = url.searchParams.get(n)?.trim();
    if (v) out[n] = v;
  }
  return out;
}
