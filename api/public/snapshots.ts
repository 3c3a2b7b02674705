import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { describeError, type Logger } from '../log.ts';

/** What a renderer produced for one key. */
export interface Rendered {
  status: number;
  contentType: string;
  body: Buffer | string;
}

export interface SnapshotRoute {
  /**
   * The cache key for a request path and its raw query string (without `?`, '' when none), or
   * null when this route does not serve it. Unknown query parameters never reach the key.
   */
  key(path: string, query: string): string | null;
  render(key: string): Promise<Rendered>;
  /** Where a path this route answers elsewhere lives (a permanent redirect there, query kept), or null. */
  moved?(path: string): string | null;
  /** Extra response headers (CORS, CSP). */
  headers?: Record<string, string>;
}

type Encoding = 'br' | 'gzip' | 'identity';

interface Variant {
  body: Buffer;
  etag: string;
  /** Response headers, prepared once: a hit only looks them up. */
  headers: Record<string, string | number>;
  notModifiedHeaders: Record<string, string | number>;
}

interface Entry {
  version: number;
  builtAt: number;
  status: number;
  variants: Record<Encoding, Variant>;
  etags: string[];
  hitsSinceBuild: number;
  rebuilding: boolean;
  /** Nobody asked for it since the data changed: the next request builds it fresh, and gets this one only if that fails. */
  cold: boolean;
}

const PUBLIC_CACHE_CONTROL = 'public, max-age=10, stale-while-revalidate=30';

/** How long a request for a cold snapshot waits for its rebuild before it gets the last one. */
const COLD_WAIT_MS = 1000;

export interface SnapshotOptions {
  routes: SnapshotRoute[];
  /** The current data version (the database change counter). */
  version(): number;
  logger: Logger;
  /** Rebuild even without a data change once a snapshot is this old: pages show "ongoing for 25 min". */
  maxAgeMs?: number;
  maxEntries?: number;
  /** Requests carrying this header skip the cache (the renderer's own requests). */
  bypassHeader?: [string, string];
  /** Told of each build: how long it took and whether it worked (metrics). */
  onBuild?: (seconds: number, ok: boolean) => void;
  /** How many renders run at once (default 2); the others wait their turn, pages read again first. */
  renderConcurrency?: number;
}

/**
 * Public responses served from memory: each rendered once per data change (never per
 * request), compressed once, with a strong ETag computed at render time. While a newer one
 * is being built, every request keeps getting the previous one — one rebuild, no stampede.
 */
export class Snapshots {
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<Entry>>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly slots: Slots;

  private readonly options: SnapshotOptions;

  constructor(options: SnapshotOptions) {
    this.options = options;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.slots = new Slots(options.renderConcurrency ?? 2);
  }

  /** Builds the snapshot of `path` now (at start, so the first visitor and `/readyz` find it ready). */
  async prebuild(path: string): Promise<void> {
    for (const route of this.options.routes) {
      const key = route.key(path, '');
      if (key !== null) {
        await this.build(route, key, true);
        return;
      }
    }
  }

  /** Whether `key` has a snapshot in memory (fresh or not). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Node-level handler: answers and returns true when the request is a snapshot's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const bypass = this.options.bypassHeader;
    if (bypass && req.headers[bypass[0]] === bypass[1]) return false;
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    return q === -1 ? this.answerWith(target, req, res) : this.answerWith(target.slice(0, q), req, res, target.slice(q + 1));
  }

  /**
   * Answers with the snapshot of `path` (and `query`), whatever the request asked for: a path no
   * page matches gets the not-found page's, built once per data version, not once per request.
   * False when no route serves `path`.
   */
  answerWith(path: string, req: IncomingMessage, res: ServerResponse, query = ''): boolean {
    for (const route of this.options.routes) {
      const moved = route.moved?.(path);
      if (moved) {
        res.writeHead(301, { location: query ? `${moved}?${query}` : moved, 'cache-control': PUBLIC_CACHE_CONTROL });
        res.end();
        return true;
      }
      const key = route.key(path, query);
      if (key === null) continue;
      this.serve(route, key, req, res);
      return true;
    }
    return false;
  }

  private serve(route: SnapshotRoute, key: string, req: IncomingMessage, res: ServerResponse): void {
    // The hot path is synchronous: a snapshot in memory is written without a promise.
    const entry = this.hit(route, key);
    if (entry) {
      this.write(entry, req, res);
      return;
    }
    // A cold snapshot is rebuilt for this request; if the database is slow to answer, the
    // last one (however old) is written after COLD_WAIT_MS rather than keeping the visitor
    // waiting out the database's deadline, and the rebuild goes on for the next visitor.
    const last = this.entries.get(key);
    let answered = false;
    const answer = (entry: Entry) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      this.write(entry, req, res);
    };
    const timer = last ? setTimeout(() => answer(last), COLD_WAIT_MS) : undefined;
    this.build(route, key).then(answer, (err) => {
      // The database is out of reach: the last snapshot, however old, beats an error.
      if (last) return answer(last);
      this.options.logger.error('snapshot render failed', { key, ...describeError(err) });
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end('Temporarily unavailable; retry in a few seconds.\n');
    });
  }

  /**
   * After a data change: what was asked for since its last build is rebuilt at once (requests
   * meanwhile get the previous snapshot); the rest turns cold, to be built fresh when asked for
   * (and kept, to answer if the database cannot be reached then).
   */
  refresh(): void {
    for (const [key, entry] of this.entries) {
      const q = key.indexOf('?');
      const route = this.options.routes.find((r) => r.key(q === -1 ? key : key.slice(0, q), q === -1 ? '' : key.slice(q + 1)) === key);
      if (route && entry.hitsSinceBuild > 0) this.rebuildInBackground(route, key, entry);
      else entry.cold = true;
    }
  }

  /** The snapshot for `key` if there is one (stale ones too, with a rebuild started). */
  private hit(route: SnapshotRoute, key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const version = this.options.version();
    if (entry.cold && entry.version !== version) return undefined;
    // Least recently used goes first when the map is full: re-insert on every hit.
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.hitsSinceBuild++;
    if (entry.version !== version || Date.now() - entry.builtAt > this.maxAgeMs) {
      this.rebuildInBackground(route, key, entry);
    }
    return entry;
  }

  private rebuildInBackground(route: SnapshotRoute, key: string, stale: Entry): void {
    if (stale.rebuilding) return;
    stale.rebuilding = true;
    this.build(route, key, stale.hitsSinceBuild > 0)
      .catch((err) => this.options.logger.error('snapshot rebuild failed; serving the previous one', { key, ...describeError(err) }))
      .finally(() => (stale.rebuilding = false));
  }

  /**
   * Builds one key; concurrent callers share the one build. A page built because someone asked
   * for it the first time is compressed quickly (most such pages are asked for once); one
   * rebuilt because it is being read again gets the smaller, slower compression.
   */
  private build(route: SnapshotRoute, key: string, popular = false): Promise<Entry> {
    const pending = this.building.get(key);
    if (pending) return pending;
    const version = this.options.version();
    const started = performance.now();
    // However many pages are asked for at once (a crawler, a burst of links to old incidents),
    // only a few render at a time: the pages in memory keep being served between them.
    const measured = this.slots
      .run(() => route.render(key), popular)
      .then(
        (rendered) => {
          this.options.onBuild?.((performance.now() - started) / 1000, true);
          return rendered;
        },
        (err: unknown) => {
          this.options.onBuild?.((performance.now() - started) / 1000, false);
          throw err;
        },
      );
    const promise = measured
      .then((rendered) => makeEntry(rendered, version, route.headers ?? {}, popular))
      .then((entry) => {
        this.entries.delete(key);
        this.entries.set(key, entry);
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        return entry;
      })
      .finally(() => this.building.delete(key));
    this.building.set(key, promise);
    return promise;
  }

  private write(entry: Entry, req: IncomingMessage, res: ServerResponse): void {
    const variant = entry.variants[negotiateCached(req.headers['accept-encoding'])];
    // Only a success can be "not modified" (RFC 9110 §13.2.1): a not-found page answers in full.
    const inm = entry.status < 300 ? req.headers['if-none-match'] : undefined;
    if (inm && matches(inm, entry.etags)) {
      res.writeHead(304, variant.notModifiedHeaders);
      res.end();
      return;
    }
    res.writeHead(entry.status, variant.headers);
    res.end(req.method === 'HEAD' ? undefined : variant.body);
  }
}

/** At most `size` tasks at once; the rest wait in order, urgent ones ahead of the others. */
class Slots {
  private running = 0;
  private readonly waiting: { urgent: (() => void)[]; other: (() => void)[] } = { urgent: [], other: [] };
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  async run<T>(task: () => Promise<T>, urgent: boolean): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => (urgent ? this.waiting.urgent : this.waiting.other).push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line (or is freed).
      const next = this.waiting.urgent.shift() ?? this.waiting.other.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Compression settings: quick for a page asked for once, small for one read again and again. */
const COMPRESSION = { quick: { brotli: 4, gzip: 6 }, small: { brotli: 9, gzip: 9 } };

/**
 * The smallest brotli window that holds the whole body (a window of 2^n bytes holds 2^n − 16).
 * The encoder sets up its tables for the window it is given (4 MB by default) whatever the
 * body's size: a 3 KB page took 18 ms at quality 9 with the default and 0.3 ms with its own
 * window, in the same bytes.
 */
export function brotliWindow(bytes: number): number {
  return Math.min(constants.BROTLI_MAX_WINDOW_BITS, Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(bytes + 16))));
}

const gzipped = promisify(gzip);
const brotli = promisify(brotliCompress);

/**
 * A rendered page as a snapshot. Compression runs on libuv's threads, not the event loop: the
 * bench's `/` at the smaller setting took ≈ 0.2 s, a pause every visitor (and every new
 * connection) felt; now they are served meanwhile.
 */
async function makeEntry(rendered: Rendered, version: number, extra: Record<string, string>, popular: boolean): Promise<Entry> {
  const level = popular ? COMPRESSION.small : COMPRESSION.quick;
  const identity = Buffer.isBuffer(rendered.body) ? rendered.body : Buffer.from(rendered.body);
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  const common = { 'content-type': rendered.contentType, 'cache-control': PUBLIC_CACHE_CONTROL, vary: 'Accept-Encoding', ...extra };
  // Each encoding is its own representation, so each gets its own strong ETag.
  const variant = (body: Buffer, encoding: Encoding, etag: string): Variant => ({
    body,
    etag,
    headers: { ...common, etag, ...(encoding !== 'identity' && { 'content-encoding': encoding }), 'content-length': body.length },
    notModifiedHeaders: { ...common, etag },
  });
  const [gz, br] = await Promise.all([
    gzipped(identity, { level: level.gzip }),
    brotli(identity, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: level.brotli,
        [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
        [constants.BROTLI_PARAM_LGWIN]: brotliWindow(identity.length),
      },
    }),
  ]);
  const variants = {
    identity: variant(identity, 'identity', `"${hash}"`),
    gzip: variant(gz, 'gzip', `"${hash}-gz"`),
    br: variant(br, 'br', `"${hash}-br"`),
  };
  return {
    version,
    builtAt: Date.now(),
    status: rendered.status,
    variants,
    etags: Object.values(variants).map((v) => v.etag),
    hitsSinceBuild: 0,
    rebuilding: false,
    cold: false,
  };
}

// Clients send a handful of distinct Accept-Encoding strings; parse each once.
const negotiated = new Map<string, Encoding>();
function negotiateCached(header: string | undefined): Encoding {
  if (!header) return 'identity';
  let encoding = negotiated.get(header);
  if (!encoding) {
    encoding = negotiate(header);
    if (negotiated.size < 256) negotiated.set(header, encoding);
  }
  return encoding;
}

/** The best encoding the client accepts (q=0 refuses one). */
export function negotiate(header: string | undefined): Encoding {
  if (!header) return 'identity';
  const accepted = new Map(
    header.split(',').map((part) => {
      const [name, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return [name!, q ? Number(q.slice(2)) : 1] as const;
    }),
  );
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

function matches(ifNoneMatch: string, etags: string[]): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => etags.includes(tag.trim().replace(/^W\//, '')));
}
