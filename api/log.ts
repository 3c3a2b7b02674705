/** Structured logs: one JSON object per line on stdout (errors on stderr). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

function write(stream: NodeJS.WriteStream, level: string, msg: string, fields: LogFields = {}) {
  stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

export const jsonLogger: Logger = {
  info: (msg, fields) => write(process.stdout, 'info', msg, fields),
  error: (msg, fields) => write(process.stderr, 'error', msg, fields),
};

export const silentLogger: Logger = { info() {}, error() {} };

export function describeError(err: unknown): LogFields {
  return err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) };
}
