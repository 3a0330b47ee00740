/**
 * msgpackr and cbor-x write integers beyond 32 bits as float64. WAMP IDs go up to 2^53 and peers such as
 * Autobahn|Python reject a float where an ID belongs, so before encoding, integers outside the 32-bit
 * range become BigInt, which both libraries write as 64-bit integers. Copy-on-write: a message with no
 * such integer is returned as is.
 */

function isWide(value: number): boolean {
  // Up to 2^53 inclusive: the top of the WAMP ID space is exactly representable.
  return (value > 0xffffffff || value < -0x80000000) && Number.isInteger(value) && Math.abs(value) <= 2 ** 53;
}

export function widenIntegers(value: unknown): unknown {
  if (typeof value === 'number') return isWide(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!mayHoldNumbers(item)) continue;
      const mapped = widenIntegers(item);
      if (mapped !== item) {
        out ??= value.slice();
        out[i] = mapped;
      }
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (!mayHoldNumbers(item)) continue;
      const mapped = widenIntegers(item);
      if (mapped !== item) {
        out ??= { ...(value as Record<string, unknown>) };
        out[key] = mapped;
      }
    }
    return out ?? value;
  }
  return value;
}

/** Numbers, and containers that may hold some: the only values `widenIntegers` has to look into. */
function mayHoldNumbers(item: unknown): boolean {
  return (
    typeof item === 'number' || (typeof item === 'object' && item !== null && !(item instanceof Uint8Array))
  );
}
