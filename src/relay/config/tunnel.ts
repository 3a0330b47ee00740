/**
 * The `tunnel:` section of the relay configuration: whether the endpoint (`/tunnel/*`) is on, the service
 * ids and the Ed25519 public JWK that may register each (from `sealwire service identity`), whether unlisted
 * ids may be claimed by the first key that registers them, and the limits. The limits' defaults and the
 * service-id rule are the tunnel's own (`DEFAULT_TUNNEL_LIMITS`, `SERVICE_ID_PATTERN`).
 */
import * as v from 'valibot';
import { DEFAULT_TUNNEL_LIMITS, type TunnelLimits } from '../../tunnel/forwarder/limits.ts';
import { SERVICE_ID_PATTERN } from '../../tunnel/protocol.ts';
import { limitSettings, mapping, settings, trueOrFalse } from './settings.ts';

/** The limits a configuration may set; the others keep the tunnel relay's defaults. */
const CONFIGURABLE_LIMITS = [
  'maxSessionsPerService',
  'maxPendingPerService',
  'handshakeTimeoutMs',
  'idleTimeoutMs',
] as const satisfies readonly (keyof TunnelLimits)[];

const TUNNEL_LIMIT_DEFAULTS = Object.fromEntries(
  CONFIGURABLE_LIMITS.map((name) => [name, DEFAULT_TUNNEL_LIMITS[name]]),
) as Pick<TunnelLimits, (typeof CONFIGURABLE_LIMITS)[number]>;

/** What `tunnel.services` keeps of a service's key: the Ed25519 public key, without `kid`, `use` or `alg`. */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

const JWK = '{path} must be an Ed25519 public JWK (from `sealwire service identity`)';

/** The public JWK that `sealwire service identity` prints; only its key material is kept. */
const publicKey = v.pipe(
  settings({
    kty: v.optional(v.unknown()),
    crv: v.optional(v.unknown()),
    x: v.optional(v.unknown()),
    kid: v.optional(v.unknown()),
    use: v.optional(v.unknown()),
    alg: v.optional(v.unknown()),
  }),
  v.rawTransform(({ dataset: { value: key }, addIssue, NEVER }): Ed25519PublicJwk => {
    if (key.kty === 'OKP' && key.crv === 'Ed25519' && typeof key.x === 'string')
      return { kty: 'OKP', crv: 'Ed25519', x: key.x };
    addIssue({ message: JWK });
    return NEVER;
  }),
);

const services = mapping(
  v.pipe(
    v.string(),
    v.regex(SERVICE_ID_PATTERN, '{path}: service ids are lower-case letters, digits and dashes'),
  ),
  v.pipe(
    settings({ publicKey }),
    v.transform((entry) => entry.publicKey),
  ),
);

export const tunnelSection = v.optional(
  v.pipe(
    settings({
      enabled: v.optional(trueOrFalse, true),
      services: v.optional(services, {}),
      /** Let unlisted ids be claimed by the first key that registers them (default: only when `services` is empty). */
      allowFirstUse: v.optional(trueOrFalse),
      limits: limitSettings(TUNNEL_LIMIT_DEFAULTS),
    }),
    v.transform(({ enabled, services, allowFirstUse, limits }) => ({
      enabled,
      services,
      allowFirstUse: allowFirstUse ?? Object.keys(services).length === 0,
      limits,
    })),
  ),
  {},
);
