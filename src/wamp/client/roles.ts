/**
 * The roles this client announces in HELLO (WAMP v2 advanced profile) and the features of each. The
 * payload features (transparency, passthru mode) tell the router to carry codec payloads untouched; the
 * others are what the session (client.ts) implements: exclusion and identification, patterns, progressive
 * results, cancelling and timeouts.
 */
import type { Dict } from '../protocol/messages.ts';

export const CLIENT_ROLES: Dict = {
  publisher: {
    features: {
      publisher_exclusion: true,
      publisher_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  subscriber: {
    features: {
      pattern_based_subscription: true,
      publisher_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  caller: {
    features: {
      progressive_call_results: true,
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  callee: {
    features: {
      progressive_call_results: true,
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
};
