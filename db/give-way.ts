/**
 * Lets another process's writes go first. While held, `wait()` gives a promise that each of
 * this process's writes awaits before it takes the write lock; `release()` lets them go. A hold
 * lapses `maxMs` after it was last renewed, so a release that never comes (the other process
 * died) holds nothing up for long.
 */
export class GiveWay {
  private held: { promise: Promise<void>; release: () => void; timer: NodeJS.Timeout } | null = null;
  private readonly maxMs: number;

  constructor(maxMs = 250) {
    this.maxMs = maxMs;
  }

  /** Holds this process's next writes (or keeps holding them for another `maxMs`). */
  hold(): void {
    if (this.held) {
      this.held.timer.refresh();
      return;
    }
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held = { promise, release, timer: setTimeout(() => this.release(), this.maxMs) };
  }

  /** Lets the writes held go. */
  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    clearTimeout(held.timer);
    held.release();
  }

  /** What a write waits for first: a promise while held, else null. */
  wait(): Promise<void> | null {
    return this.held?.promise ?? null;
  }
}
