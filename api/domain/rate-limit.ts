/** Public write endpoints: at most `limit` requests per key per fixed window. */
export const SUBSCRIBE_LIMIT = { limit: 5, windowMs: 60 * 60 * 1000 };

export interface Window {
  windowStart: Date;
  count: number;
}

/**
 * The counter after one more request at `now`, and whether that request is allowed; a window
 * that has ended starts over. `retryAfterSeconds` says when the current window ends.
 */
export function nextWindow(current: Window | null, now: Date, policy = SUBSCRIBE_LIMIT): Window & { allowed: boolean; retryAfterSeconds: number } {
  const fresh = !current || now.getTime() - current.windowStart.getTime() >= policy.windowMs;
  const windowStart = fresh ? now : current.windowStart;
  const count = fresh ? 1 : current.count + 1;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + policy.windowMs - now.getTime()) / 1000));
  return { windowStart, count, allowed: count <= policy.limit, retryAfterSeconds };
}
