/**
 * Signed requests: after registration every request to the messaging service is signed by the device that
 * sends it, so the service knows which device of which user asks, without passwords or bearer tokens that
 * a log or a proxy could leak. The header
 *
 *   Authorization: Sealwire user=alice, device=laptop, time=1796000000, nonce=<16 bytes b64url>, sig=<b64url>
 *
 * carries an Ed25519 signature by the device's signing key (from its live card) over a tagged JSON array of
 * the method, the path (with query), SHA-256 of the body, the user, device, time and nonce. The service
 * refuses a time outside its window and a nonce it has seen within it, so a captured request cannot be
 * replayed, moved to another path, or given another body.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { runtime } from '#runtime';
import { encodeBase64url, tryDecodeBase64url } from '../../encoding/base64url.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { LimitExceededError, MalformedError, NotAuthorizedError } from '../../errors.ts';
import type { PrivateJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import { type DeviceCard, NAME_PATTERN } from '../directory/card.ts';

export const AUTH_SCHEME = 'Sealwire';

export interface RequestToSign {
  method: string;
  /** The path with its query string, as sent. */
  path: string;
  body: Bytes;
}

export interface RequestSigner {
  user: string;
  device: string;
  /** The device's Ed25519 signing key. */
  signingKey: PrivateJwk;
}

function signedBytes(
  request: RequestToSign,
  fields: { user: string; device: string; time: number; nonce: string },
): Bytes {
  return utf8(
    JSON.stringify([
      'sealwire-request/v1',
      request.method.toUpperCase(),
      request.path,
      encodeBase64url(sha256(request.body)),
      fields.user,
      fields.device,
      fields.time,
      fields.nonce,
    ]),
  );
}

/** The Authorization header value for `request`, signed by `signer` at `time` (seconds). */
export async function signRequest(
  request: RequestToSign,
  signer: RequestSigner,
  time: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const fields = {
    user: signer.user,
    device: signer.device,
    time,
    nonce: encodeBase64url(runtime.randomBytes(16)),
  };
  const signature = await runtime.sign('EdDSA', signer.signingKey, signedBytes(request, fields));
  return `${AUTH_SCHEME} user=${fields.user}, device=${fields.device}, time=${time}, nonce=${fields.nonce}, sig=${encodeBase64url(signature)}`;
}

function parseHeader(header: string): {
  user: string;
  device: string;
  time: number;
  nonce: string;
  sig: Bytes;
} {
  const bad = () =>
    new MalformedError(
      `Authorization: not "${AUTH_SCHEME} user=..., device=..., time=..., nonce=..., sig=..."`,
    );
  if (header.length > 1024 || !header.startsWith(`${AUTH_SCHEME} `)) throw bad();
  const fields = new Map<string, string>();
  for (const part of header.slice(AUTH_SCHEME.length + 1).split(',')) {
    const match = /^\s*([a-z]+)=([A-Za-z0-9._-]+)\s*$/.exec(part);
    if (match === null || fields.has(match[1]!)) throw bad();
    fields.set(match[1]!, match[2]!);
  }
  const [user, device, time, nonce, sig] = ['user', 'device', 'time', 'nonce', 'sig'].map((name) =>
    fields.get(name),
  );
  const signature = sig === undefined ? undefined : tryDecodeBase64url(sig);
  const nonceBytes = nonce === undefined ? undefined : tryDecodeBase64url(nonce);
  if (
    fields.size !== 5 ||
    user === undefined ||
    !NAME_PATTERN.test(user) ||
    device === undefined ||
    !NAME_PATTERN.test(device) ||
    time === undefined ||
    !/^[0-9]{1,12}$/.test(time) ||
    nonceBytes?.length !== 16 ||
    signature?.length !== 64
  )
    throw bad();
  return { user, device, time: Number(time), nonce: nonce!, sig: signature };
}

export interface RequestVerifierOptions {
  /** The live card of `user`'s `device`, or undefined (unknown, revoked). */
  liveCard(user: string, device: string): DeviceCard | undefined;
  /** How far a request's time may be from the service's clock (default 300 s). */
  windowSeconds?: number;
  /** Nonces remembered at most; when full, requests are refused (not forgotten: that would allow replays). */
  maxNonces?: number;
}

export class RequestVerifier {
  readonly #options: Required<RequestVerifierOptions>;
  /** Nonces seen, with the time after which they can no longer be replayed (outside the window). */
  readonly #seen = new Map<string, number>();

  constructor(options: RequestVerifierOptions) {
    this.#options = { windowSeconds: 300, maxNonces: 100_000, ...options };
  }

  /** The user and device that signed `request`; `ERR_NOT_AUTHORIZED` (or `ERR_MALFORMED`) otherwise. */
  async verify(
    request: RequestToSign,
    header: string | undefined,
    now: number = Math.floor(Date.now() / 1000),
  ): Promise<{ user: string; device: string }> {
    if (header === undefined) throw new NotAuthorizedError('this request must be signed by a device');
    const fields = parseHeader(header);
    const window = this.#options.windowSeconds;
    if (Math.abs(fields.time - now) > window)
      throw new NotAuthorizedError(`the request's time is over ${window} s from the service's clock`);
    const card = this.#options.liveCard(fields.user, fields.device);
    if (card === undefined)
      throw new NotAuthorizedError(`${fields.user}/${fields.device} is not a live device`);
    const valid = await runtime.verify(
      'EdDSA',
      { kty: 'OKP', crv: 'Ed25519', x: card.signingKey },
      signedBytes(request, fields),
      fields.sig,
    );
    if (!valid) throw new NotAuthorizedError('the request signature does not verify');
    // Remembered only once the signature holds, so nobody can fill the cache with forged nonces.
    this.#forget(now);
    const key = `${fields.user}/${fields.device}/${fields.nonce}`;
    if (this.#seen.has(key)) throw new NotAuthorizedError('this request was already received (a replay)');
    if (this.#seen.size >= this.#options.maxNonces)
      throw new LimitExceededError('too many requests in the replay window; try again shortly');
    this.#seen.set(key, fields.time + window);
    return { user: fields.user, device: fields.device };
  }

  #forget(now: number): void {
    // Insertion order is close to time order; stop at the first nonce still inside the window.
    for (const [key, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(key);
    }
  }
}
