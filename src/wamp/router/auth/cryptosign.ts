/**
 * WAMP-cryptosign (Ed25519), as Autobahn implements it: the router sends 32 random bytes (hex); the client
 * answers hex(signature(64) || challenge(32)). Channel binding (tls-unique) is refused: this router's
 * transports carry no TLS channel id to bind to.
 */
import { runtime } from '#runtime';
import { encodeBase64url } from '../../../encoding/base64url.ts';
import { bytesToHex, hexToBytes } from '../../../encoding/hex.ts';
import type { OkpPublicJwk } from '../../../keys/types.ts';
import type { CryptosignPrincipal } from '../options.ts';
import type { AuthStep, HelloInfo } from './types.ts';

const HEX_KEY = /^[0-9a-f]{64}$/;
/** Cap on keys tried for one principal. */
const MAX_KEYS = 64;

function ed25519Jwk(publicKey: Uint8Array): OkpPublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(publicKey) };
}

export function startCryptosign(principals: Record<string, CryptosignPrincipal>, hello: HelloInfo): AuthStep {
  const announced =
    typeof hello.authextra.pubkey === 'string' ? hello.authextra.pubkey.toLowerCase() : undefined;
  if (hello.authextra.channel_binding !== undefined && hello.authextra.channel_binding !== null)
    return {
      kind: 'abort',
      reason: 'wamp.error.authentication_failed',
      message: 'cryptosign channel binding is not supported on this transport',
    };
  let authid = hello.authid;
  if (authid === undefined && announced !== undefined) {
    for (const [name, principal] of Object.entries(principals)) {
      if (principal.authorizedKeys.some((key) => key.toLowerCase() === announced)) {
        authid = name;
        break;
      }
    }
  }
  if (authid === undefined)
    return {
      kind: 'abort',
      reason: 'wamp.error.no_auth_method',
      message: 'cryptosign needs an authid or a known pubkey',
    };
  const principal = Object.hasOwn(principals, authid) ? principals[authid] : undefined;
  const challenge = runtime.randomBytes(32);
  const resolvedAuthid = authid;
  return {
    kind: 'challenge',
    pending: {
      method: 'cryptosign',
      extra: { challenge: bytesToHex(challenge), channel_binding: null },
      async verify(signatureHex) {
        if (principal === undefined) return undefined;
        const signed = hexToBytes(signatureHex);
        if (signed === undefined || (signed.length !== 96 && signed.length !== 64)) return undefined;
        if (signed.length === 96 && !runtime.timingSafeEqual(signed.subarray(64), challenge))
          return undefined;
        const signature = signed.subarray(0, 64);
        const keys = principal.authorizedKeys
          .map((key) => key.toLowerCase())
          .filter((key) => HEX_KEY.test(key) && (announced === undefined || key === announced))
          .slice(0, MAX_KEYS);
        for (const key of keys) {
          const ok = await runtime.verify('EdDSA', ed25519Jwk(hexToBytes(key)!), challenge, signature);
          if (ok)
            return {
              authid: resolvedAuthid,
              authrole: principal.role,
              authmethod: 'cryptosign',
              authprovider: 'static',
              authextra: { pubkey: key },
            };
        }
        return undefined;
      },
    },
  };
}
