/** queued → sending (leased) → sent, or back to queued for a retry, or failed for good. */
export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;

/** Email goes to the provider in batches; a webhook (or Slack) delivery is one signed POST. */
export const OUTBOX_CHANNELS = ['email', 'webhook'] as const;

/** Resend accepts at most 100 emails per batch call. */
export const BATCH_SIZE = 100;

/**
 * Backoff from `baseMs` doubling up to `maxMs`; a lease of `leaseMs` per claim; and a message is
 * given up once it has waited `horizonMs` since it was queued (`CANDOR_OUTBOX_RETRY_HOURS`).
 */
export const RETRY_POLICY = { baseMs: 2_000, maxMs: 15 * 60_000, leaseMs: 60_000, horizonMs: 24 * 60 * 60_000 };
export type RetryPolicy = typeof RETRY_POLICY;

/** What a provider said about a batch. */
export interface ProviderFailure {
  /** HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  message: string;
  retryAfterSeconds?: number | null;
  /** Known to fail again whatever the wait (e.g. a webhook address that is not allowed). */
  permanent?: boolean;
  /** The provider's name for the error (Resend's `name`), when it gave one. */
  code?: string;
}

export type FailureDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Decides what to do after a failed send: rate limits, server errors and no answer at all are
 * retried with exponential backoff and full jitter (honouring Retry-After), until the message
 * would have waited past the retry horizon; anything else (invalid address, bad request, auth)
 * is final. A 409 is what it says: the provider still working on this key is worth a retry; the
 * key already used for other content is final (a retry could only be refused again).
 */
export function decideFailure(
  failure: ProviderFailure,
  progress: { attempts: number; queuedMs: number },
  random: number,
  policy: RetryPolicy = RETRY_POLICY,
): FailureDecision {
  const described = failure.status === null ? failure.message : `${failure.status}: ${failure.message}`;
  if (failure.code === 'invalid_idempotent_request')
    return { retry: false, reason: `${described} (the provider already took this batch's key for other content)` };
  const transient = failure.permanent
    ? false
    : failure.status === null || failure.status === 408 || failure.status === 409 || failure.status === 429 || failure.status >= 500;
  if (!transient) return { retry: false, reason: described };
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, progress.attempts - 1));
  const backoff = Math.floor(random * ceiling);
  const retryAfter = failure.retryAfterSeconds ? failure.retryAfterSeconds * 1000 : 0;
  const delayMs = Math.max(backoff, retryAfter);
  if (progress.queuedMs + delayMs > policy.horizonMs)
    return { retry: false, reason: `gave up after ${progress.attempts} attempts over ${Math.round(progress.queuedMs / 60_000)} min; last: ${described}` };
  return { retry: true, delayMs };
}

/** Parses a Retry-After header (seconds or an HTTP date) into seconds from `now`. */
export function retryAfterSeconds(header: string | null | undefined, now: Date): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
