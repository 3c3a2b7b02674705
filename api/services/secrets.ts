import { createHash } from 'node:crypto';

/** The hex sha256 of a secret: what Candor stores of API keys and confirmation tokens. */
export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
