/** How long a page build (or other long work on the loop: an import) may hold the event loop before it lets the loop turn. */
const BUDGET_MS = 4;

let sliceStart = Number.NEGATIVE_INFINITY;
let turn: Promise<void> | null = null;

/**
 * A page build (or an import, between its rows) gives way here once it has held the event loop
 * for BUDGET_MS: it waits one turn of the loop (`setImmediate`), so visitors of pages already in
 * memory and new connections are served between its pieces instead of waiting out the whole
 * build. Work running at once shares one budget per turn.
 */
export async function giveWay(): Promise<void> {
  while (performance.now() - sliceStart > BUDGET_MS) {
    turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = null;
        sliceStart = performance.now();
        resolve();
      }),
    );
    await turn;
  }
}
