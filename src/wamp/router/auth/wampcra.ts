/** WAMP-CRA on the router: a JSON challenge, answered with an HMAC (see protocol/wampcra.ts). */
import { runtime } from '#runtime';
import { decodeBase64, encodeBase64 } from '../../../encoding/base64.ts';
import { craKey, craSignatureBytes } from '../../protocol/wampcra.ts';
import type { CraUser } from '../options.ts';
import type { AuthStep, HelloInfo } from './types.ts';

export function startWampCra(users: Record<string, CraUser>, hello: HelloInfo): AuthStep {
  const authid = hello.authid;
  if (authid === undefined)
    return { kind: 'abort', reason: 'wamp.error.no_auth_method', message: 'WAMP-CRA needs an authid' };
  const user = Object.hasOwn(users, authid) ? users[authid] : undefined;
  const challenge = JSON.stringify({
    authid,
    authrole: user?.role ?? 'user',
    authmethod: 'wampcra',
    authprovider: 'static',
    nonce: encodeBase64(runtime.randomBytes(24)),
    timestamp: new Date().toISOString(),
    session: hello.sessionId,
  });
  const extra: Record<string, unknown> = { challenge };
  if (user?.salt !== undefined) {
    extra.salt = user.salt;
    extra.iterations = user.iterations ?? 1000;
    extra.keylen = user.keylen ?? 32;
  }
  return {
    kind: 'challenge',
    pending: {
      method: 'wampcra',
      extra,
      async verify(signature) {
        if (user === undefined) return undefined;
        const given = decodeBase64(signature);
        const expected = craSignatureBytes(craKey(user), challenge);
        if (
          given === undefined ||
          given.length !== expected.length ||
          !runtime.timingSafeEqual(given, expected)
        )
          return undefined;
        return { authid, authrole: user.role, authmethod: 'wampcra', authprovider: 'static' };
      },
    },
  };
}
