import { Resend } from 'resend';
import { retryAfterSeconds } from '../../api/domain/outbox/delivery.ts';
import { readRateLimit } from '../../api/domain/outbox/pace.ts';
import type { EmailMessage, SendResult, Transport } from './transport.ts';

const TIMEOUT_MS = 15_000;

/** Resend's batch API through the official SDK (which honours RESEND_BASE_URL). */
export function resendTransport(apiKey: string, options: { baseUrl?: string; timeoutMs?: number } = {}): Transport {
  const resend = new Resend(apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: 'resend',
    async sendBatch(messages: EmailMessage[], idempotencyKey: string): Promise<SendResult> {
      const { data, error, headers } = await resend.batch.send(
        messages.map((m) => ({ from: m.from, to: [m.to], subject: m.subject, html: m.html, text: m.text, headers: m.headers })),
        { idempotencyKey, signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS) } as never,
      );
      const rateLimit = readRateLimit(headers);
      if (error || !data) {
        return {
          ok: false,
          status: error && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : null,
          code: error?.name,
          message: error?.message ?? 'no data in the answer',
          retryAfterSeconds: retryAfterSeconds(headers?.['retry-after'], new Date()),
          rateLimit,
        };
      }
      const ids = data.data.map((d) => d.id);
      if (ids.length !== messages.length)
        return { ok: false, status: null, message: `provider returned ${ids.length} ids for ${messages.length} emails`, rateLimit };
      return { ok: true, ids, rateLimit };
    },
  };
}
