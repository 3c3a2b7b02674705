// Every process a test run starts carries the run's mark in its environment: the test workers,
// the servers and tools they start, and the servers' delivery processes. A server outlives a
// reader that goes away (its logs are dropped, it keeps serving), so one whose test timed out
// before it could stop it would run on after the run; at the end of the run, any still marked
// is stopped.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const NAME = 'CANDOR_TEST_RUN';

export default function setup(): () => void {
  const mark = `${NAME}=${randomUUID()}`;
  process.env[NAME] = mark.slice(NAME.length + 1);
  return () => {
    const left = marked(mark);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    if (left.length) console.warn(`stopped ${left.length} process(es) a test left running: ${left.join(', ')}`);
  };
}

/** The processes whose environment carries `mark`, other than this one and its own workers (vitest ends those). */
function marked(mark: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      if (pid === process.pid) return false;
      try {
        const parent = Number(
          readFileSync(`/proc/${pid}/stat`, 'utf8')
            .replace(/^.*\) /, '')
            .split(' ')[1],
        );
        return parent !== process.pid && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mark);
      } catch {
        return false;
      }
    });
}
