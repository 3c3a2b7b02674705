/** What a provider says about its rate limit on an answer (IETF RateLimit headers, as Resend sends them). */
export interface RateLimitInfo {
  /** Requests allowed per window. */
  limit: number | null;
  /** Requests left in the current window. */
  remaining: number | null;
  /** Seconds until the current window resets. */
  resetSeconds: number | null;
  /** The window's length in seconds (`ratelimit-policy: 2;w=1`), when said. */
  windowSeconds: number | null;
}

/** Reads the RateLimit headers (`ratelimit-limit`, `-remaining`, `-reset`, `-policy`); null when there are none. */
export function readRateLimit(headers: Record<string, string | undefined> | null | undefined): RateLimitInfo | null {
  if (!headers) return null;
  const num = (v: string | undefined) => {
    const n = Number(v);
    return v !== undefined && v !== '' && Number.isFinite(n) && n >= 0 ? n : null;
  };
  const limit = num(headers['ratelimit-limit']);
  const remaining = num(headers['ratelimit-remaining']);
  const resetSeconds = num(headers['ratelimit-reset']);
  const windowSeconds = num(/;\s*w=(\d+(?:\.\d+)?)/.exec(headers['ratelimit-policy'] ?? '')?.[1]);
  if (limit === null && remaining === null && resetSeconds === null) return null;
  return { limit, remaining, resetSeconds, windowSeconds };
}

/**
 * The pace of calls to the provider, shared by every sender of a process: no call before a
 * refusal's wait is over (all senders back off together), and no more calls per window than the
 * provider says it takes, so at steady state none is refused. Pure: the caller supplies time.
 */
export class Pace {
  private pausedUntil = 0;
  private limit: number | null = null;
  private windowMs = 1000;
  /** When recent calls were made (or reserved), oldest first. */
  private calls: number[] = [];

  /** When the next call may go, at the earliest. */
  earliest(now: number): number {
    const at = Math.max(now, this.pausedUntil);
    if (this.limit === null) return at;
    const inWindow = this.calls.filter((t) => t > at - this.windowMs);
    return inWindow.length >= this.limit ? Math.max(at, inWindow[inWindow.length - this.limit]! + this.windowMs) : at;
  }

  /** The same, and the slot is taken: two senders never get the same one. */
  reserve(now: number): number {
    const at = this.earliest(now);
    this.calls.push(at);
    this.calls = this.calls.filter((t) => t > at - this.windowMs * 2);
    this.calls.sort((a, b) => a - b);
    return at;
  }

  /** Learns from an answer: the advertised limit, an exhausted window, or a refusal's wait. */
  observe(now: number, answer: { status: number | null; rateLimit: RateLimitInfo | null; retryAfterSeconds?: number | null }): void {
    const info = answer.rateLimit;
    if (info?.limit) {
      this.limit = info.limit;
      if (info.windowSeconds) this.windowMs = info.windowSeconds * 1000;
    }
    if (info?.remaining === 0 && info.resetSeconds !== null) this.pausedUntil = Math.max(this.pausedUntil, now + info.resetSeconds * 1000);
    if (answer.status === 429) {
      const wait = answer.retryAfterSeconds ?? info?.resetSeconds ?? 1;
      this.pausedUntil = Math.max(this.pausedUntil, now + wait * 1000);
    }
  }
}
