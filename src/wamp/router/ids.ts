/** WAMP IDs: global scope ones are random (not guessable across sessions), router scope ones sequential. */
import { runtime } from '#runtime';

// Every publication needs a fresh random ID: drawing them from a batch of CSPRNG output costs one
// runtime call per 256 IDs instead of one (and one allocation) per ID. Bytes are used once.
const BYTES_PER_ID = 7;
const BATCH = 256;
let pool: Uint8Array = new Uint8Array(0);
let offset = 0;

export function randomId(): number {
  if (offset + BYTES_PER_ID > pool.length) {
    pool = runtime.randomBytes(BYTES_PER_ID * BATCH);
    offset = 0;
  }
  const bytes = pool;
  const i = offset;
  offset = i + BYTES_PER_ID;
  // 53 random bits, zero drawn again: [1, 2^53 - 1], the WAMP ID space minus its top. 2^53 itself is where
  // a peer's 2^53 + 1 lands once rounded to a number, so an ID list naming it is refused, and this router
  // never hands it out (the odds of drawing it were 2^-53 anyway).
  const high = ((bytes[i]! & 0x1f) << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
  const low = ((bytes[i + 3]! << 24) | (bytes[i + 4]! << 16) | (bytes[i + 5]! << 8) | bytes[i + 6]!) >>> 0;
  const id = high * 2 ** 32 + low;
  return id === 0 ? randomId() : id;
}

export class SequentialIds {
  #next = 1;
  next(): number {
    const id = this.#next;
    this.#next = id >= 2 ** 53 ? 1 : id + 1;
    return id;
  }
}
