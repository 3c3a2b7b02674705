import * as hrana from '@libsql/hrana-client';
import { createClient, LibsqlBatchError, LibsqlError, type Client, type InArgs, type InStatement, type ResultSet, type TransactionMode } from '@libsql/client';

/** How many open streams a client keeps for its next calls (more are opened while that many are busy). */
const IDLE_STREAMS = 4;
/** How many calls run at once (as `@libsql/client`'s default); the others wait their turn. */
const CONCURRENCY = 20;

/**
 * A client of a libSQL server over a WebSocket whose `execute` and `batch` run on streams kept
 * open. `@libsql/client` opens a stream for every call, and `sqld` gives each stream a database
 * connection of its own: with Candor's schema that costs `sqld` ≈ 1.2 ms of CPU and the call
 * ≈ 1.3 ms more on loopback, against ≈ 0.2 ms for a statement on a stream already open
 * (bench/README.md). A stream runs one call at a time; a call that fails closes its stream (it
 * may have been left inside a transaction), and a connection that failed is opened anew by the
 * next call. Everything else (interactive transactions, migrations) is `@libsql/client`'s own.
 */
export function streamingClient(url: string, authToken: string | undefined): Client {
  const base = createClient({ url, authToken, intMode: 'number' });
  const address = url.replace(/^libsql:/i, 'wss:');
  let connection: hrana.WsClient | undefined;
  let idle: hrana.WsStream[] = [];
  const open = () => {
    if (!connection || connection.closed) {
      connection = hrana.openWs(address, authToken);
      idle = [];
    }
    return connection;
  };
  let running = 0;
  const waiting: (() => void)[] = [];
  const onStream = async <T>(work: (stream: hrana.WsStream, version: hrana.ProtocolVersion) => Promise<T>): Promise<T> => {
    if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await streamed(work);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  const streamed = async <T>(work: (stream: hrana.WsStream, version: hrana.ProtocolVersion) => Promise<T>): Promise<T> => {
    const client = open();
    // An idle stream the server closed meanwhile is dropped, not used.
    let stream = idle.pop();
    while (stream?.closed) stream = idle.pop();
    stream ??= client.openStream();
    stream.intMode = 'number';
    try {
      const result = await work(stream, await client.getVersion());
      if (client === connection && idle.length < IDLE_STREAMS) idle.push(stream);
      else stream.close();
      return result;
    } catch (err) {
      stream.close();
      throw libsqlError(err);
    }
  };
  const calls: Partial<Client> = {
    execute: (statement: InStatement | string, args?: InArgs) =>
      onStream(async (stream) =>
        resultOf(await stream.query(hranaStatement(typeof statement === 'string' ? { sql: statement, args: args ?? [] } : statement))),
      ),
    batch: (statements: InStatement[], mode: TransactionMode = 'deferred') =>
      onStream((stream, version) => inTransaction(stream.batch(false), mode, statements, version >= 3)),
    close() {
      for (const stream of idle) stream.close();
      idle = [];
      connection?.close();
      base.close();
    },
  };
  return new Proxy(base, {
    get(target, prop) {
      if (prop in calls) return calls[prop as keyof Client];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const BEGIN: Record<TransactionMode, string> = { write: 'BEGIN IMMEDIATE', read: 'BEGIN TRANSACTION READONLY', deferred: 'BEGIN DEFERRED' };

/**
 * `statements` in one transaction, in one request: each step runs only if the one before it
 * succeeded and the transaction is still open; a failure rolls back (as `@libsql/client` does).
 */
async function inTransaction(batch: hrana.Batch, mode: TransactionMode, statements: InStatement[], v3: boolean): Promise<ResultSet[]> {
  // Protocol 3 can also check that the transaction is still open (not ended by an error).
  const open = (step: hrana.BatchStep) => (v3 ? step.condition(hrana.BatchCond.not(hrana.BatchCond.isAutocommit(batch))) : step);
  const begin = batch.step();
  const begun = begin.run(BEGIN[mode]);
  let last = begin;
  const results = statements.map((statement) => {
    const step = open(batch.step().condition(hrana.BatchCond.ok(last)));
    last = step;
    return step.query(hranaStatement(statement));
  });
  const commit = open(batch.step().condition(hrana.BatchCond.ok(last)));
  const committed = commit.run('COMMIT');
  batch
    .step()
    .condition(hrana.BatchCond.not(hrana.BatchCond.ok(commit)))
    .run('ROLLBACK')
    .catch(() => undefined);
  await batch.execute();
  await begun;
  const out: ResultSet[] = [];
  for (const [i, result] of results.entries()) {
    let rows: hrana.RowsResult | undefined;
    try {
      rows = await result;
    } catch (err) {
      const e = libsqlError(err);
      throw e instanceof LibsqlError
        ? new LibsqlBatchError(e.message, i, e.code, e.extendedCode, e.rawCode, e.cause instanceof Error ? e.cause : undefined)
        : e;
    }
    if (rows === undefined) throw new LibsqlBatchError('Statement in a batch was not executed: the transaction was rolled back', i, 'TRANSACTION_CLOSED');
    out.push(resultOf(rows));
  }
  await committed;
  return out;
}

function hranaStatement(statement: InStatement): hrana.Stmt {
  const { sql, args } = typeof statement === 'string' ? { sql: statement, args: undefined } : statement;
  const out = new hrana.Stmt(sql);
  if (Array.isArray(args)) out.bindIndexes(args as hrana.InValue[]);
  else if (args) for (const [name, value] of Object.entries(args)) out.bindName(name, value as hrana.InValue);
  return out;
}

function resultOf(rows: hrana.RowsResult): ResultSet {
  const result = {
    columns: rows.columnNames.map((c) => c ?? ''),
    columnTypes: rows.columnDecltypes.map((c) => c ?? ''),
    rows: rows.rows as unknown as ResultSet['rows'],
    rowsAffected: rows.affectedRowCount,
    lastInsertRowid: rows.lastInsertRowid,
    toJSON: () => ({ ...result, rows: result.rows.map((r) => [...Object.values(r)]), toJSON: undefined }),
  };
  return result;
}

/** A Hrana error as `@libsql/client` reports it (the codes callers match on: SQLite's, or the transport's). */
function libsqlError(err: unknown): unknown {
  if (!(err instanceof hrana.ClientError)) return err;
  return new LibsqlError(err.message, codeOf(err), undefined, undefined, err);
}

function codeOf(err: hrana.ClientError): string {
  if (err instanceof hrana.ResponseError && err.code !== undefined) return err.code;
  if (err instanceof hrana.ProtoError) return 'HRANA_PROTO_ERROR';
  if (err instanceof hrana.ClosedError) return err.cause instanceof hrana.ClientError ? codeOf(err.cause) : 'HRANA_CLOSED_ERROR';
  if (err instanceof hrana.WebSocketError) return 'HRANA_WEBSOCKET_ERROR';
  return 'UNKNOWN';
}
