import type { ProviderFailure } from '../../api/domain/outbox/delivery.ts';

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

export type SendResult = { ok: true; ids: string[] } | ({ ok: false } & ProviderFailure);

/** Where emails go: one batch (≤ 100) per call, with an idempotency key the provider dedupes on. */
export interface Transport {
  readonly name: string;
  sendBatch(messages: EmailMessage[], idempotencyKey: string): Promise<SendResult>;
}
