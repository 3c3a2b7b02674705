// The API speaks snake_case JSON (as Statuspage does); services speak camelCase with Dates.
// These two functions are the whole translation, applied at the edge.

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** The type `fromApiJson` produces: every key camelCased, deeply. */
export type CamelKeys<T> = T extends Date
  ? T
  : T extends readonly (infer U)[]
    ? CamelKeys<U>[]
    : T extends object
      ? { [K in keyof T as K extends string ? Camel<K> : K]: CamelKeys<T[K]> }
      : T;

// Only camelCase identifiers are translated; other keys (`SEV-1`, ids) pass unchanged.
const toSnake = (k: string) => (/^[a-z][a-zA-Z0-9]*$/.test(k) ? k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`) : k);
const toCamel = (k: string) => (/^[a-z][a-z0-9_]*$/.test(k) ? k.replace(/_([a-z0-9])/g, (_, m: string) => m.toUpperCase()) : k);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Deep copy with snake_case keys and Dates as ISO 8601 strings. */
export function toApiJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toApiJson);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toSnake(k), toApiJson(v)]));
  }
  return value;
}

/** Deep copy with camelCase keys (values untouched). */
export function fromApiJson<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => fromApiJson(v)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toCamel(k), fromApiJson(v)])) as T;
  }
  return value as T;
}
