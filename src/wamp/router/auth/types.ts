/** What an authentication method hands the session: welcome now, a challenge first, or a refusal. */
import type { Dict } from '../../protocol/messages.ts';

export interface AuthOutcome {
  authid: string;
  authrole: string;
  authmethod: string;
  authprovider: string;
  authextra?: Dict;
}

export interface PendingChallenge {
  method: string;
  /** Extra of the CHALLENGE message. */
  extra: Dict;
  /** Checks the AUTHENTICATE signature; `undefined` means authentication failed. */
  verify(signature: string, extra: Dict): Promise<AuthOutcome | undefined>;
}

export type AuthStep =
  | { kind: 'welcome'; outcome: AuthOutcome }
  | { kind: 'challenge'; pending: PendingChallenge }
  | { kind: 'abort'; reason: string; message: string };

/** HELLO facts an authenticator needs. */
export interface HelloInfo {
  sessionId: number;
  authid: string | undefined;
  authextra: Dict;
}
