import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new opaque id: 12 lowercase base-36 characters, like Statuspage's. */
export function newId(length = 12): string {
  const bytes = randomBytes(length);
  let id = '';
  // 252 = 7 × 36: bytes at or above it would bias the alphabet, so they are redrawn.
  for (let i = 0; id.length < length; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 252) id += ALPHABET[b % 36];
  }
  return id;
}
