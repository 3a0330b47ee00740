/** Picks the authentication method for a HELLO: the first the client offers that the realm allows. */
import type { RealmConfig } from '../options.ts';
import { startCryptosign } from './cryptosign.ts';
import { startTicket } from './ticket.ts';
import type { AuthStep, HelloInfo } from './types.ts';
import { startWampCra } from './wampcra.ts';

export type { AuthOutcome, AuthStep, HelloInfo, PendingChallenge } from './types.ts';

export function startAuthentication(
  realm: RealmConfig,
  methods: readonly string[],
  hello: HelloInfo,
): AuthStep {
  for (const method of methods) {
    if (method === 'anonymous' && realm.anonymous !== undefined) {
      return {
        kind: 'welcome',
        outcome: {
          authid: hello.authid ?? `anonymous-${hello.sessionId}`,
          authrole: realm.anonymous.role,
          authmethod: 'anonymous',
          authprovider: 'static',
        },
      };
    }
    if (method === 'ticket' && realm.ticket !== undefined) return startTicket(realm.ticket, hello);
    if (method === 'wampcra' && realm.wampcra !== undefined) return startWampCra(realm.wampcra, hello);
    if (method === 'cryptosign' && realm.cryptosign !== undefined)
      return startCryptosign(realm.cryptosign, hello);
  }
  return {
    kind: 'abort',
    reason: 'wamp.error.no_auth_method',
    message: `none of the offered methods (${methods.join(', ') || 'none'}) is allowed on realm ${realm.name}`,
  };
}
