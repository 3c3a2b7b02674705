import { describeError, type Logger } from '../log.ts';

/**
 * Posts one notice to the responders' Slack-compatible webhook (`{text}` and Candor's own
 * `candor` object); true when it answered 2xx. A refusal or no answer is logged, not thrown:
 * the caller decides whether to try again.
 */
export async function postToResponders(url: string, text: string, candor: Record<string, unknown>, logger: Logger): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, candor }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) logger.error('responder webhook refused the notice', { status: res.status, kind: String(candor.kind) });
    return res.ok;
  } catch (err) {
    logger.error('responder webhook failed', { kind: String(candor.kind), ...describeError(err) });
    return false;
  }
}
