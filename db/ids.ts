import { randomFillSync } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes (from the system's CSPRNG) are drawn 4 KB at a time (a draw costs about as much for
// 4 KB as for 12 bytes) and each byte is used once.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]!;
}

/** `count` random bytes (a copy, from the same pool): secrets and tokens. */
export function randomBytesPooled(count: number): Buffer {
  const out = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) out[i] = randomByte();
  return out;
}

/** A new opaque id: 12 lowercase base-36 characters, like Statuspage's. */
export function newId(length = 12): string {
  let id = '';
  while (id.length < length) {
    // 252 = 7 × 36: bytes at or above it would bias the alphabet, so they are redrawn.
    const b = randomByte();
    if (b < 252) id += ALPHABET[b % 36];
  }
  return id;
}

/** `count` new ids (an import's hundred thousand). */
export function newIds(count: number, length = 12): string[] {
  return Array.from({ length: count }, () => newId(length));
}
