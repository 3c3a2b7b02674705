/** Structured logs: one JSON object per line on stdout (errors on stderr). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const line = (level: string, msg: string, fields: LogFields = {}) => `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`;

type StreamName = 'stdout' | 'stderr';

/** Streams that failed (their reader gone): written to no more. */
const failed: Record<StreamName, boolean> = { stdout: false, stderr: false };
const dropped: Record<StreamName, number> = { stdout: 0, stderr: 0 };

/** Log lines dropped because their stream had failed, by stream, since the process started. */
export function droppedLogLines(): Readonly<Record<StreamName, number>> {
  return dropped;
}

/** Writes `text` (`lines` lines) to the process's stream, or counts them dropped once it has failed. */
function writeTo(name: StreamName, text: string, lines: number): void {
  if (failed[name]) dropped[name] += lines;
  else process[name].write(text);
}

/**
 * For a process that must keep serving whatever happens to its logs (the server, the delivery
 * process): a stream that fails — its pipe's reader gone (EPIPE), its disk full — is written to no
 * more, its lines counted as dropped (`/metrics`), and the other stream says so once. Without
 * this, the stream's unhandled `error` event ended the process at its next log line: a log
 * collector that stopped took the status page down. Not for the CLI, whose output closed under it
 * (piped to `head`) ends the command as usual.
 */
export function outliveLogStreams(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (err) => {
      if (failed[name]) return;
      failed[name] = true;
      const other = name === 'stdout' ? 'stderr' : 'stdout';
      writeTo(other, line('error', `${name} failed; its log lines are dropped from now on`, describeError(err)), 1);
    });
  }
}

/**
 * Lines written at the end of the event loop's turn, all of that turn's in one write: a request's
 * line never holds up its answer (a write to a pipe is a system call, made before the answer
 * when written from the request's middleware), and a busy process makes one write a turn, not one
 * a request. Whatever is waiting goes out when the process exits; only a `kill -9` loses a turn's lines.
 */
export function turnWriter(write: (text: string, lines: number) => void): (text: string) => void {
  let waiting: string[] = [];
  const flush = () => {
    if (!waiting.length) return;
    const out = waiting.join('');
    const lines = waiting.length;
    waiting = [];
    write(out, lines);
  };
  process.on('exit', flush);
  return (text) => {
    if (waiting.push(text) === 1) setImmediate(flush);
  };
}

let toStdout: ((text: string) => void) | undefined;

export const jsonLogger: Logger = {
  info(msg, fields) {
    toStdout ??= turnWriter((text, lines) => writeTo('stdout', text, lines));
    toStdout(line('info', msg, fields));
  },
  // Errors go out at once: the line may be the last thing a failing process says.
  error: (msg, fields) => writeTo('stderr', line('error', msg, fields), 1),
};

export const silentLogger: Logger = { info() {}, error() {} };

export function describeError(err: unknown): LogFields {
  return err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) };
}
