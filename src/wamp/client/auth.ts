/** Client side of the authentication methods: what goes in HELLO and how to answer a CHALLENGE. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '../../encoding/hex.ts';
import { ArgumentError } from '../../errors.ts';
import { type Dict, isDict } from '../protocol/messages.ts';
import { craKey, craSignature, MAX_CRA_ITERATIONS, MAX_CRA_KEYLEN } from '../protocol/wampcra.ts';

export type ClientAuth =
  | { method: 'anonymous'; authid?: string }
  | { method: 'ticket'; authid: string; ticket: string }
  | { method: 'wampcra'; authid: string; secret: string }
  /** `privateKey`: the 32-byte Ed25519 seed, as bytes or 64 hex characters (Autobahn's format). */
  | { method: 'cryptosign'; authid?: string; privateKey: Uint8Array | string };

export interface HelloAuth {
  authmethods: string[];
  authid?: string;
  authextra?: Dict;
}

function seedOf(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === 'string' ? hexToBytes(key) : key;
  if (bytes === undefined || bytes.length !== 32)
    throw new ArgumentError(
      'cryptosign privateKey must be a 32-byte Ed25519 seed (bytes or 64 hex characters)',
    );
  return bytes;
}

/** The Ed25519 public key (hex) for a cryptosign seed, as a router's authorized_keys lists it. */
export function cryptosignPublicKey(privateKey: Uint8Array | string): string {
  return bytesToHex(ed25519.getPublicKey(seedOf(privateKey)));
}

export function helloAuth(auth: ClientAuth): HelloAuth {
  switch (auth.method) {
    case 'anonymous':
      return auth.authid === undefined
        ? { authmethods: ['anonymous'] }
        : { authmethods: ['anonymous'], authid: auth.authid };
    case 'ticket':
      return { authmethods: ['ticket'], authid: auth.authid };
    case 'wampcra':
      return { authmethods: ['wampcra'], authid: auth.authid };
    case 'cryptosign': {
      const out: HelloAuth = {
        authmethods: ['cryptosign'],
        authextra: { pubkey: cryptosignPublicKey(auth.privateKey) },
      };
      if (auth.authid !== undefined) out.authid = auth.authid;
      return out;
    }
  }
}

/** The AUTHENTICATE signature for a CHALLENGE; `undefined` when the challenge is not for our method. */
export function answerChallenge(auth: ClientAuth, method: string, extra: Dict): string | undefined {
  if (method !== auth.method) return undefined;
  switch (auth.method) {
    case 'ticket':
      return auth.ticket;
    case 'wampcra': {
      if (typeof extra.challenge !== 'string') return undefined;
      const salted = typeof extra.salt === 'string';
      const iterations = typeof extra.iterations === 'number' ? extra.iterations : 1000;
      const keylen = typeof extra.keylen === 'number' ? extra.keylen : 32;
      if (
        salted &&
        (iterations > MAX_CRA_ITERATIONS || keylen > MAX_CRA_KEYLEN || iterations < 1 || keylen < 1)
      )
        return undefined;
      const key = craKey(
        salted
          ? { secret: auth.secret, salt: extra.salt as string, iterations, keylen }
          : { secret: auth.secret },
      );
      return craSignature(key, extra.challenge);
    }
    case 'cryptosign': {
      const challenge = typeof extra.challenge === 'string' ? hexToBytes(extra.challenge) : undefined;
      if (challenge === undefined || challenge.length !== 32) return undefined;
      if (isDict(extra) && extra.channel_binding !== undefined && extra.channel_binding !== null)
        return undefined;
      const signature = ed25519.sign(challenge, seedOf(auth.privateKey));
      return bytesToHex(signature) + bytesToHex(challenge);
    }
    default:
      return undefined;
  }
}
