/**
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs",
 * PETS 2019): pads a length L to one of O(log log L) sizes near it, at most ~12% more, so a ciphertext's
 * length tells only roughly how long the message is.
 */
export function padmeLength(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // (length + mask) & ~mask, in arithmetic that stays exact beyond 2^31.
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}
