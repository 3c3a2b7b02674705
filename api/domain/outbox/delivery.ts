/** queued → sending (leased) → sent, or back to queued for a retry, or failed for good. */
export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;

/** Email goes to the provider in batches; a webhook (or Slack) delivery is one signed POST. */
export const OUTBOX_CHANNELS = ['email', 'webhook'] as const;

/** Resend accepts at most 100 emails per batch call. */
export const BATCH_SIZE = 100;
export const MAX_ATTEMPTS = 12;

export const RETRY_POLICY = { baseMs: 2_000, maxMs: 15 * 60_000, leaseMs: 60_000 };

/** What a provider said about a batch. */
export interface ProviderFailure {
  /** HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  message: string;
  retryAfterSeconds?: number | null;
  /** Known to fail again whatever the wait (e.g. a webhook address that is not allowed). */
  permanent?: boolean;
}

export type FailureDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Decides what to do after a failed send: rate limits, server errors and no answer at all are
 * retried with exponential backoff and full jitter (honouring Retry-After), until
 * MAX_ATTEMPTS; anything else (invalid address, bad request, auth) is final.
 */
export function decideFailure(failure: ProviderFailure, attempts: number, random: number, policy = RETRY_POLICY): FailureDecision {
  const transient = failure.permanent
    ? false
    : failure.status === null || failure.status === 408 || failure.status === 409 || failure.status === 429 || failure.status >= 500;
  if (!transient) return { retry: false, reason: failure.status === null ? failure.message : `${failure.status}: ${failure.message}` };
  if (attempts >= MAX_ATTEMPTS)
    return { retry: false, reason: `gave up after ${attempts} attempts; last: ${failure.status ?? 'no answer'}: ${failure.message}` };
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const backoff = Math.floor(random * ceiling);
  const retryAfter = failure.retryAfterSeconds ? failure.retryAfterSeconds * 1000 : 0;
  return { retry: true, delayMs: Math.max(backoff, retryAfter) };
}

/** Parses a Retry-After header (seconds or an HTTP date) into seconds from `now`. */
export function retryAfterSeconds(header: string | null | undefined, now: Date): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
