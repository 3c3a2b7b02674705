import { expect, test } from 'vitest';
import { BackgroundBudget } from '../../api/workers/background-budget.ts';

// Deliveries give way to visitors only while the process is busy serving them.
test.each([
  ['idle: no pause', 0.2, 0, 0],
  ['a full loop but few requests (a fan-out at night): no pause', 0.95, 10, 0],
  ['many requests but room to spare: no pause', 0.5, 500, 0],
  ['busy serving: background work keeps to its 15 %', 0.95, 500, 20 * (1 / 0.15 - 1)],
])('%s', async (_, utilization, requests, pauseMs) => {
  const budget = new BackgroundBudget({ utilization: () => utilization });
  for (let i = 0; i < requests; i++) budget.request();
  budget.measure();
  const started = performance.now();
  await budget.after(20);
  const waited = performance.now() - started;
  budget.stop();
  if (pauseMs === 0) expect(waited).toBeLessThan(15);
  else expect(waited).toBeGreaterThanOrEqual(pauseMs - 2);
});
