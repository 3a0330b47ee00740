/** The role features the router announces in WELCOME, and reading the ones a client announced in HELLO. */
import { type Dict, isDict } from '../protocol/messages.ts';

// Autobahn|Python only sends enc_* payloads to routers that advertise payload_transparency; spec clients
// (wampy) check payload_passthru_mode. Both forms are forwarded untouched.
const PAYLOAD_FEATURES = {
  payload_transparency: true,
  payload_encryption_cryptobox: true,
  payload_passthru_mode: true,
};

export const ROUTER_ROLES: Dict = {
  broker: {
    features: {
      publisher_identification: true,
      publisher_exclusion: true,
      subscriber_blackwhite_listing: true,
      pattern_based_subscription: true,
      ...PAYLOAD_FEATURES,
    },
  },
  dealer: {
    features: {
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      progressive_call_results: true,
      call_canceling: true,
      call_timeout: true,
      ...PAYLOAD_FEATURES,
    },
  },
};

export type ClientRole = 'publisher' | 'subscriber' | 'caller' | 'callee';

/** Whether the client announced `feature` for `role` in its HELLO. */
export function hasFeature(roles: Dict, role: ClientRole, feature: string): boolean {
  const entry = roles[role];
  if (!isDict(entry)) return false;
  const features = entry.features;
  return isDict(features) && features[feature] === true;
}
