/**
 * When a client with a payload codec may let clear data through. Two rules, both decided on the URI the
 * client itself subscribed, registered, published or called (see effective-uri.ts), never on the router's
 * word:
 * - receiving: on a URI the codec covers (it holds the key that would open it), clear is a downgrade and is
 *   refused; a router could otherwise inject plaintext events, invocations or results;
 * - sending: on a URI the codec does not cover, clear goes out only with `allowClear` (per client or per
 *   request), because a typo in a topic must not quietly publish secrets in the clear.
 */
import type { PayloadCodec } from '../codecs/payload-codec.ts';
import { ClearNotAllowedError } from '../errors.ts';

/** Error URI of the ERROR a callee answers when it may not answer a clear call in the clear. */
export const CLEAR_NOT_ALLOWED_URI = 'sealwire.error.clear_not_allowed';

/** Whether the codec holds keys that would open `kind` on `uri` (then clear there is a downgrade). */
export function codecCovers(
  codec: PayloadCodec | undefined,
  kind: 'event' | 'invocation' | 'result',
  uri: string,
): boolean {
  return codec?.covers?.(kind, uri) === true;
}

/** The per-request setting wins over the client's; off unless someone said yes. */
export function clearAllowed(perRequest: boolean | undefined, perClient: boolean | undefined): boolean {
  return (perRequest ?? perClient) === true;
}

const ACTIONS = {
  publish: (uri: string) =>
    `no payload-codec key covers ${uri}: refusing to publish it in the clear (check the topic, or set allowClear to publish unencrypted)`,
  call: (uri: string) =>
    `no payload-codec key covers ${uri}: refusing to call it in the clear (check the procedure, or set allowClear to call unencrypted)`,
  register: (uri: string) =>
    `no payload-codec key opens invocations of ${uri}: its callee would answer in the clear (check the procedure, or set allowClear to register it unencrypted)`,
  answer: (uri: string) =>
    `refused a clear call to ${uri}: no payload-codec key covers it and answering in the clear needs allowClear`,
} as const;

/** The refusal for sending clear on `uri`. */
export function clearNotAllowed(action: keyof typeof ACTIONS, uri: string): ClearNotAllowedError {
  return new ClearNotAllowedError(uri, ACTIONS[action](uri));
}
