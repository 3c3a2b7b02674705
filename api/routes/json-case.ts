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

// Keys repeat across answers (the same few dozen field names): each is translated once. Bounded,
// as maps keyed by data (component ids, severities) pass through here too.
const snakeKeys = new Map<string, string>();
const snakeKey = (k: string) => {
  let snake = snakeKeys.get(k);
  if (snake === undefined) {
    snake = toSnake(k);
    if (snakeKeys.size < 10_000) snakeKeys.set(k, snake);
  }
  return snake;
};

/** Deep copy with snake_case keys and Dates as ISO 8601 strings. */
export function toApiJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toApiJson);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const v = toApiJson(value[k]);
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[snakeKey(k)] = v;
    }
    return out;
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
