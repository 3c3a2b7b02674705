import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Secrets' keys, made once each (a fan-out signs for thousands of subscribers, again on retries). */
const keys = new Map<string, KeyObject>();

/**
 * The Standard Webhooks headers for one delivery (`webhook-id` stays the same across retries):
 * `v1,` and the base64 HMAC-SHA256, keyed by the secret's bytes, of `id.timestamp.body`. Signed
 * with node:crypto (a third of the standardwebhooks package's pure-JS cost, which counts in a
 * fan-out); the tests verify every signature with that package.
 */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret.replace(/^whsec_/, ''), 'base64'));
    keys.set(secret, key);
    if (keys.size > 10_000) keys.delete(keys.keys().next().value!);
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`,
  };
}
