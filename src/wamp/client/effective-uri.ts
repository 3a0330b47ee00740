/**
 * Which topic an EVENT, or which procedure an INVOCATION, is for: decided by the client from what it
 * subscribed or registered, not taken from the router. The router's `Details.topic` / `Details.procedure`
 * is only a claim; a hostile router could otherwise label a forged clear event with an uncovered topic so
 * that the codec waves it through, or deliver topic b's ciphertext (whose inner URI says b) to a's
 * handler. So:
 * - exact: the URI is the one subscribed/registered; a differing claim is refused (never "corrected", so
 *   that the forgery is visible);
 * - prefix / wildcard: the claim is required and must match the pattern, else refused.
 * The URI returned is then the one the codec is asked about (covered? which key? inner URI check).
 */
import { ProtocolViolationError } from '../errors.ts';
import { type MatchPolicy, patternMatches } from '../protocol/uri.ts';

/** Router-chosen text, quoted and cut short, so a forged URI cannot make the error span lines. */
function quoted(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value));
  return text.length > 120 ? `${text.slice(0, 117)}..."` : text;
}

const WORDS = {
  topic: { message: 'an event', claim: 'for', under: 'the subscription to' },
  procedure: { message: 'an invocation', claim: 'of', under: 'the registration of' },
} as const;

/** The URI a message delivered under `pattern` (subscribed/registered with `match`) is for; throws if none. */
export function effectiveUri(
  what: 'topic' | 'procedure',
  pattern: string,
  match: MatchPolicy | undefined,
  claimed: unknown,
): string {
  const words = WORDS[what];
  const policy = match ?? 'exact';
  if (policy === 'exact') {
    if (claimed === undefined || claimed === pattern) return pattern;
  } else if (typeof claimed !== 'string') {
    throw new ProtocolViolationError(
      `the router sent ${words.message} without its ${what} under ${words.under} ${pattern} (${policy}): refused`,
    );
  } else if (patternMatches(policy, pattern, claimed)) return claimed;
  throw new ProtocolViolationError(
    `the router sent ${words.message} ${words.claim} ${quoted(claimed)} under ${words.under} ${pattern} (${policy}), which does not match it: refused`,
  );
}
