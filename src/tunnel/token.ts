/**
 * Access tokens for session verification, bound to the TLS channel.
 *
 * A token is `swt1.<claims>.<secret>`: base64url JSON claims { v, sid (service id), fp (certificate
 * fingerprint), iat, exp, jti } and a 32-byte secret = HMAC-SHA256(service token key, "sealwire-token-v1\n" +
 * claims). The service keeps only its token key; tokens are stateless.
 *
 * The token's secret never crosses the wire. After the pin check, the client sends the claims and a proof:
 * HMAC-SHA256(secret, "sealwire-session-v1\n" + TLS exporter value). The exporter (RFC 8446 §7.5) is unique to
 * this TLS connection, so a proof captured anywhere — even by the service's own logs — is useless on any
 * other channel, and a relay that is not the pinned service learns nothing at all (the client stops before).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeBase64url, encodeBase64url, tryDecodeBase64url } from '../encoding/base64url.ts';
import { fromUtf8, utf8 } from '../encoding/bytes.ts';
import { isJsonObject } from '../encoding/json.ts';
import { ArgumentError, NotAuthorizedError } from '../errors.ts';

export interface TokenClaims {
  v: 1;
  sid: string;
  fp: string;
  iat: number;
  exp: number;
  jti: string;
}

const PREFIX = 'swt1';

function secretFor(tokenKey: Uint8Array, claimsB64: string): Buffer {
  return createHmac('sha256', tokenKey).update(`sealwire-token-v1\n${claimsB64}`).digest();
}

function proofWith(secret: Uint8Array, exporter: Uint8Array): Buffer {
  return createHmac('sha256', secret).update('sealwire-session-v1\n').update(exporter).digest();
}

export function issueAccessToken(
  tokenKey: Uint8Array,
  options: { serviceId: string; fingerprint: string; ttlSeconds: number; now?: number },
): { token: string; claims: TokenClaims } {
  if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds < 1)
    throw new ArgumentError('token lifetime must be a positive number of seconds');
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: TokenClaims = {
    v: 1,
    sid: options.serviceId,
    fp: options.fingerprint,
    iat,
    exp: iat + options.ttlSeconds,
    jti: encodeBase64url(randomBytes(12)),
  };
  const claimsB64 = encodeBase64url(utf8(JSON.stringify(claims)));
  return { token: `${PREFIX}.${claimsB64}.${encodeBase64url(secretFor(tokenKey, claimsB64))}`, claims };
}

/** Client side: what to send for a token on a channel with this exporter value. */
export function sessionProof(token: string, exporter: Uint8Array): { claims: string; proof: string } {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX)
    throw new ArgumentError('not a Sealwire access token (expected swt1.<claims>.<secret>)');
  const secret = tryDecodeBase64url(parts[2]!) ?? new Uint8Array(0);
  if (secret.length !== 32) throw new ArgumentError('not a Sealwire access token (bad secret length)');
  return { claims: parts[1]!, proof: encodeBase64url(proofWith(secret, exporter)) };
}

function notAuthorized(message: string): NotAuthorizedError {
  return new NotAuthorizedError(message);
}

/** Service side: checks a proof on this channel; returns the claims or throws ERR_NOT_AUTHORIZED. */
export function verifySessionProof(
  tokenKey: Uint8Array,
  presented: unknown,
  exporter: Uint8Array,
  expected: { serviceId: string; fingerprint: string; now?: number },
): TokenClaims {
  if (
    !isJsonObject(presented) ||
    typeof presented.claims !== 'string' ||
    typeof presented.proof !== 'string' ||
    presented.claims.length > 2048
  ) {
    throw notAuthorized('malformed session verification request');
  }
  const proof = tryDecodeBase64url(presented.proof) ?? new Uint8Array(0);
  const wanted = proofWith(secretFor(tokenKey, presented.claims), exporter);
  // Check the MAC before reading the claims, and in constant time.
  if (proof.length !== wanted.length || !timingSafeEqual(proof, wanted)) {
    throw notAuthorized('access token rejected: not issued by this service, or not proven on this channel');
  }
  let claims: TokenClaims;
  try {
    claims = JSON.parse(fromUtf8(decodeBase64url(presented.claims, 'token claims'))) as TokenClaims;
  } catch {
    throw notAuthorized('malformed token claims');
  }
  const now = Math.floor((expected.now ?? Date.now()) / 1000);
  if (claims.v !== 1) throw notAuthorized('unsupported token version');
  if (claims.sid !== expected.serviceId) throw notAuthorized('access token is for another service');
  if (claims.fp !== expected.fingerprint)
    throw notAuthorized('access token is for another certificate (renewed since it was issued?)');
  if (!(claims.exp > now)) throw notAuthorized('access token expired');
  return claims;
}
