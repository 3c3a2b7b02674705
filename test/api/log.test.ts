import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { turnWriter } from '../../api/log.ts';

test("a turn's log lines go out together once the turn ends, never before", async () => {
  const writes: string[] = [];
  const write = turnWriter((chunk) => writes.push(chunk));
  write('a\n');
  write('b\n');
  expect(writes).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['a\nb\n']);
  write('c\n');
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['a\nb\n', 'c\n']);
});

test('lines still waiting go out when the process exits', () => {
  const log = new URL('../../api/log.ts', import.meta.url).href;
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { jsonLogger } from '${log}'; jsonLogger.info('last words', { n: 1 }); process.exit(3);`],
    {
      encoding: 'utf8',
    },
  );
  expect(run.status).toBe(3);
  expect(JSON.parse(run.stdout)).toMatchObject({ level: 'info', msg: 'last words', n: 1 });
});
