import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new opaque id: 12 lowercase base-36 characters, like Statuspage's. */
export function newId(length = 12): string {
  return newIds(1, length)[0]!;
}

/** `count` new ids from one draw of random bytes (an import's hundred thousand: one call, not one each). */
export function newIds(count: number, length = 12): string[] {
  // 252 = 7 × 36: bytes at or above it would bias the alphabet, so they are redrawn. A quarter
  // more bytes than needed leaves plenty to redraw from.
  let bytes = randomBytes(Math.ceil(count * length * 1.25));
  let at = 0;
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    let id = '';
    while (id.length < length) {
      if (at === bytes.length) {
        bytes = randomBytes(length);
        at = 0;
      }
      const b = bytes[at++]!;
      if (b < 252) id += ALPHABET[b % 36];
    }
    ids.push(id);
  }
  return ids;
}
