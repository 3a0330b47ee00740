/** WAMP IDs: global scope ones are random (not guessable across sessions), router scope ones sequential. */
import { runtime } from '#runtime';

export function randomId(): number {
  const bytes = runtime.randomBytes(8);
  // 53 random bits: the whole WAMP ID space [1, 2^53].
  const high = ((bytes[0]! & 0x1f) << 16) | (bytes[1]! << 8) | bytes[2]!;
  const low = ((bytes[3]! << 24) | (bytes[4]! << 16) | (bytes[5]! << 8) | bytes[6]!) >>> 0;
  return high * 2 ** 32 + low + 1;
}

export class SequentialIds {
  #next = 1;
  next(): number {
    const id = this.#next;
    this.#next = id >= 2 ** 53 ? 1 : id + 1;
    return id;
  }
}
