import type { ProviderFailure } from '../../api/domain/outbox/delivery.ts';
import type { RateLimitInfo } from '../../api/domain/outbox/pace.ts';

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

/** What the provider said, with its rate limit headers when it sent them (how fast to go next). */
export type SendResult = ({ ok: true; ids: string[] } | ({ ok: false } & ProviderFailure)) & { rateLimit?: RateLimitInfo | null };

/** Where emails go: one batch (≤ 100) per call, with an idempotency key the provider dedupes on. */
export interface Transport {
  readonly name: string;
  sendBatch(messages: EmailMessage[], idempotencyKey: string): Promise<SendResult>;
}
