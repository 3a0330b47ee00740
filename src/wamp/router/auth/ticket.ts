/** Ticket authentication: a shared secret string, compared in constant time. */
import { runtime } from '#runtime';
import { utf8 } from '../../../encoding/bytes.ts';
import type { TicketPrincipal } from '../options.ts';
import type { AuthStep, HelloInfo } from './types.ts';

export function startTicket(principals: Record<string, TicketPrincipal>, hello: HelloInfo): AuthStep {
  const authid = hello.authid;
  if (authid === undefined)
    return {
      kind: 'abort',
      reason: 'wamp.error.no_auth_method',
      message: 'ticket authentication needs an authid',
    };
  // An unknown authid still gets a challenge, so the answer does not reveal which principals exist.
  const principal = Object.hasOwn(principals, authid) ? principals[authid] : undefined;
  return {
    kind: 'challenge',
    pending: {
      method: 'ticket',
      extra: {},
      async verify(signature) {
        if (principal === undefined) return undefined;
        const given = utf8(signature);
        const expected = utf8(principal.ticket);
        const ok = given.length === expected.length && runtime.timingSafeEqual(given, expected);
        if (!ok) return undefined;
        return { authid, authrole: principal.role, authmethod: 'ticket', authprovider: 'static' };
      },
    },
  };
}
