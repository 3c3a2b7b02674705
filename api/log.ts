/** Structured logs: one JSON object per line on stdout (errors on stderr). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const line = (level: string, msg: string, fields: LogFields = {}) => `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`;

/**
 * Lines written at the end of the event loop's turn, all of that turn's in one write: a request's
 * line never holds up its answer (a write to a pipe is a system call, made before the answer
 * when written from the request's middleware), and a busy process makes one write a turn, not one
 * a request. Whatever is waiting goes out when the process exits; only a `kill -9` loses a turn's lines.
 */
export function turnWriter(stream: { write(chunk: string): unknown }): (text: string) => void {
  let waiting: string[] = [];
  const flush = () => {
    if (!waiting.length) return;
    const out = waiting.join('');
    waiting = [];
    stream.write(out);
  };
  process.on('exit', flush);
  return (text) => {
    if (waiting.push(text) === 1) setImmediate(flush);
  };
}

let toStdout: ((text: string) => void) | undefined;

export const jsonLogger: Logger = {
  info(msg, fields) {
    toStdout ??= turnWriter(process.stdout);
    toStdout(line('info', msg, fields));
  },
  // Errors go out at once: the line may be the last thing a failing process says.
  error: (msg, fields) => process.stderr.write(line('error', msg, fields)),
};

export const silentLogger: Logger = { info() {}, error() {} };

export function describeError(err: unknown): LogFields {
  return err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) };
}
