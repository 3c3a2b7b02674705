import { expect, test } from 'vitest';
import { giveWay } from '../../api/services/turns.ts';

// A page build that gives way lets the event loop turn between its pieces (visitors of pages in
// memory, new connections), and builds running at once share one budget per turn.
const work = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

/** Runs `builds` at once, each `pieces` pieces of 1 ms with `giveWay()` before each; counts the loop's turns meanwhile. */
async function turnsDuring(builds: number, pieces: number): Promise<number> {
  let turns = 0;
  let done = false;
  const tick = () => {
    turns++;
    if (!done) setImmediate(tick);
  };
  await new Promise((resolve) => setImmediate(resolve));
  setImmediate(tick);
  const build = async () => {
    for (let i = 0; i < pieces; i++) {
      await giveWay();
      work(1);
    }
  };
  await Promise.all(Array.from({ length: builds }, build));
  done = true;
  return turns;
}

test('a long build lets the loop turn while it runs, not after every piece', async () => {
  // 40 ms of work with a budget of 4 ms a turn: about ten turns. Without giving way the loop
  // would not turn at all until the build was done; giving way after every piece, forty times.
  const turns = await turnsDuring(1, 40);
  expect(turns).toBeGreaterThanOrEqual(6);
  expect(turns).toBeLessThan(25);
});

test('builds at once share the budget of a turn', async () => {
  // Two builds of 40 ms: about twenty turns in all. With a budget each, about ten; giving way
  // after every piece, forty.
  const turns = await turnsDuring(2, 40);
  expect(turns).toBeGreaterThanOrEqual(13);
  expect(turns).toBeLessThanOrEqual(32);
});
