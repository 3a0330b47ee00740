/**
 * `connectTunnel(serviceId, { relay, fingerprint, accessToken })`: RPCs to a service through the relay, end to end.
 * One E2EE session multiplexes every call over HTTP/2 (or, with `sessionPerCall`, each call opens its own).
 *
 * Failure is bounded: each call has a deadline; an HTTP/2 PING watches the session; a relay drop closes the
 * TLS socket at once (so pending calls fail within a second or two, never hang); and a response that ends
 * without the service's completion trailer is ERR_TRUNCATED, never a short success.
 */
import { type ClientHttp2Session, type ClientHttp2Stream, constants } from 'node:http2';
import {
  ArgumentError,
  ConnectionLostError,
  NotAuthorizedError,
  RpcFailedError,
  TimeoutError,
  TruncatedError,
} from '../../errors.ts';
import { normalizeFingerprint } from '../fingerprint.ts';
import { SERVICE_ID_PATTERN, TRAILER_BYTES, TRAILER_ERROR, TRAILER_STATUS } from '../protocol.ts';
import { drained } from '../streams.ts';
import { type E2eeInfo, type OpenedSession, openSession, type SessionOptions } from './open-session.ts';

export type { E2eeInfo };

export interface TunnelConnectOptions {
  /** Relay base URL (`ws://127.0.0.1:8080`). */
  relay: string;
  /**
   * The service certificate's SHA-256 fingerprint, obtained out of band (never from the relay). Required
   * unless `insecure` is set; with it, the client never speaks to the service outside TLS.
   */
  fingerprint?: string;
  /** Access token from `sealwire service issue-token`; only its proof is sent, after the pin matched. */
  accessToken?: string;
  /** No pin and no TLS: the relay can read and change everything. For `capabilities` probes only. */
  insecure?: boolean;
  /** Open one E2EE session per call instead of sharing one (default false). */
  sessionPerCall?: boolean;
  /** Connection set-up limit (default 10 s). */
  connectTimeoutMs?: number;
  /** Default per-call deadline (default 30 s). */
  deadlineMs?: number;
  /** HTTP/2 PING interval watching the session (default 2 s; a missed answer for one interval closes it). */
  pingIntervalMs?: number;
}

export interface TunnelCallOptions {
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface TunnelCallResult<T = unknown> {
  value: T;
  e2ee: E2eeInfo;
}

interface Hooks {
  onData(chunk: Buffer): void;
  onRequest?(request: ClientHttp2Stream): void;
}

const lost = (message: string) => new ConnectionLostError(message);

export class TunnelClient {
  readonly #options: SessionOptions & { sessionPerCall: boolean; deadlineMs: number; pingIntervalMs: number };
  #shared: Promise<OpenedSession> | undefined;
  #watch: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    options: SessionOptions & { sessionPerCall: boolean; deadlineMs: number; pingIntervalMs: number },
  ) {
    this.#options = options;
  }

  /** Opens the shared session now (calls do it lazily); returns its E2EE information. */
  async ready(): Promise<E2eeInfo> {
    if (this.#options.sessionPerCall) {
      const session = await openSession(this.#options);
      session.close();
      return session.e2ee;
    }
    return (await this.#session()).e2ee;
  }

  /** Calls `name` with a JSON argument; resolves with the JSON (or bytes) result and the E2EE information. */
  async call<T = unknown>(
    name: string,
    arg?: unknown,
    options: TunnelCallOptions = {},
  ): Promise<TunnelCallResult<T>> {
    const chunks: Buffer[] = [];
    const { e2ee, contentType } = await this.#run(name, arg, undefined, options, {
      onData: (chunk) => chunks.push(chunk),
    });
    const body = Buffer.concat(chunks);
    const value =
      contentType === 'application/octet-stream'
        ? new Uint8Array(body)
        : contentType === 'application/x-ndjson'
          ? body
              .toString()
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line))
          : JSON.parse(body.toString() || 'null');
    return { value: value as T, e2ee };
  }

  /**
   * Streams a response chunk by chunk as it arrives, with backpressure: while the consumer is behind, the
   * HTTP/2 stream is paused, so flow control holds the service back (nothing piles up here or in the relay).
   * Stopping early cancels the call. Throws at the end if the response was cut.
   */
  async *stream(
    name: string,
    arg?: unknown,
    options: TunnelCallOptions = {},
  ): AsyncGenerator<Buffer, E2eeInfo, undefined> {
    const HIGH_WATER = 8;
    const queue: Buffer[] = [];
    let request: ClientHttp2Stream | undefined;
    let wake: (() => void) | undefined;
    let done = false;
    let failure: unknown;
    let info: E2eeInfo | undefined;
    const hooks = {
      onRequest: (created: ClientHttp2Stream) => {
        request = created;
      },
      onData: (chunk: Buffer) => {
        queue.push(chunk);
        if (queue.length >= HIGH_WATER) request?.pause();
        wake?.();
      },
    };
    this.#run(name, arg, undefined, options, hooks).then(
      (result) => {
        info = result.e2ee;
        done = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error;
        done = true;
        wake?.();
      },
    );
    try {
      for (;;) {
        while (queue.length > 0) {
          const chunk = queue.shift()!;
          if (queue.length < HIGH_WATER / 2) request?.resume();
          yield chunk;
        }
        if (done) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      if (!done && request !== undefined && !request.closed) request.close(constants.NGHTTP2_CANCEL);
    }
    if (failure !== undefined) throw failure;
    return info!;
  }

  /** Sends bytes (a buffer or an async iterable) as the request body; `arg` travels as a small JSON header. */
  async upload<T = unknown>(
    name: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    arg?: unknown,
    options: TunnelCallOptions = {},
  ): Promise<TunnelCallResult<T>> {
    const chunks: Buffer[] = [];
    const { e2ee } = await this.#run(name, arg, body, options, { onData: (chunk) => chunks.push(chunk) });
    return { value: JSON.parse(Buffer.concat(chunks).toString() || 'null') as T, e2ee };
  }

  /** The service's capabilities, asked inside the session (a relay cannot forge them to a pinned client). */
  async capabilities(): Promise<TunnelCallResult<Record<string, unknown>>> {
    return this.call('capabilities');
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#watch);
    this.#shared?.then(
      (session) => session.close(),
      () => {},
    );
    this.#shared = undefined;
  }

  #session(): Promise<OpenedSession> {
    if (this.#closed) return Promise.reject(new ConnectionLostError('the client is closed'));
    if (this.#shared === undefined) {
      const opening = openSession(this.#options);
      this.#shared = opening;
      opening.then(
        (session) => this.#watchSession(session, opening),
        () => {
          if (this.#shared === opening) this.#shared = undefined;
        },
      );
    }
    return this.#shared;
  }

  /** PING keeps watch: a relay that stops forwarding without closing is noticed within two intervals. */
  #watchSession(session: OpenedSession, opening: Promise<OpenedSession>): void {
    const forget = () => {
      clearInterval(this.#watch);
      if (this.#shared === opening) this.#shared = undefined;
    };
    session.h2.once('close', forget);
    let outstanding = false;
    clearInterval(this.#watch);
    this.#watch = setInterval(() => {
      if (outstanding) {
        session.h2.destroy(lost('the tunnel stopped answering (PING timeout)'));
        forget();
        return;
      }
      outstanding = true;
      session.h2.ping(() => {
        outstanding = false;
      });
    }, this.#options.pingIntervalMs);
    this.#watch.unref();
  }

  async #run(
    name: string,
    arg: unknown,
    body: Uint8Array | AsyncIterable<Uint8Array> | undefined,
    options: TunnelCallOptions,
    hooks: Hooks,
  ): Promise<{ e2ee: E2eeInfo; contentType: string }> {
    const perCall = this.#options.sessionPerCall;
    const session = perCall ? await openSession(this.#options) : await this.#session();
    try {
      return await this.#exchange(session.h2, session.e2ee, name, arg, body, options, hooks);
    } finally {
      if (perCall) session.close();
    }
  }

  #exchange(
    h2: ClientHttp2Session,
    e2ee: E2eeInfo,
    name: string,
    arg: unknown,
    body: Uint8Array | AsyncIterable<Uint8Array> | undefined,
    options: TunnelCallOptions,
    hooks: Hooks,
  ): Promise<{ e2ee: E2eeInfo; contentType: string }> {
    const { onData } = hooks;
    const deadlineMs = options.deadlineMs ?? this.#options.deadlineMs;
    const upload = body !== undefined;
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': `/rpc/${name}`,
      'content-type': upload ? 'application/octet-stream' : 'application/json',
    };
    if (upload && arg !== undefined) headers['x-sealwire-arg'] = encodeURIComponent(JSON.stringify(arg));
    return new Promise((resolve, reject) => {
      let request: ClientHttp2Stream;
      try {
        request = h2.request(headers);
      } catch (error) {
        reject(lost(`the tunnel session is gone: ${(error as Error).message}`));
        return;
      }
      hooks.onRequest?.(request);
      let status = 0;
      let contentType = '';
      let received = 0;
      let trailers: Record<string, unknown> | undefined;
      let settled = false;
      const chunks: Buffer[] = [];
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        if (error !== undefined) {
          if (!request.closed) request.close(constants.NGHTTP2_CANCEL);
          reject(error);
        } else resolve({ e2ee, contentType });
      };
      const abort = () => finish(new TimeoutError(`${name} was cancelled`));
      const timer = setTimeout(
        () => finish(new TimeoutError(`${name} exceeded its ${deadlineMs} ms deadline`)),
        deadlineMs,
      );
      options.signal?.addEventListener('abort', abort, { once: true });
      request.on('response', (response) => {
        status = Number(response[':status']);
        contentType = String(response['content-type'] ?? '');
        // Node may deliver the first DATA frame before 'response': hand over what came early.
        if (status === 200) for (const chunk of chunks.splice(0)) onData(chunk);
      });
      request.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (status === 200) onData(chunk);
        else chunks.push(chunk);
      });
      request.on('trailers', (value) => {
        trailers = value as Record<string, unknown>;
      });
      request.on('error', (error) => finish(lost(`${name}: the tunnel failed mid-call (${error.message})`)));
      request.on('close', () => {
        if (settled) return;
        if (status !== 200) {
          let problem: { code?: string; message?: string } = {};
          try {
            problem = JSON.parse(Buffer.concat(chunks).toString());
          } catch {
            // not JSON: fall through with the status alone
          }
          const message =
            problem.message ??
            (status === 0 ? `${name}: the tunnel closed before any answer` : `${name}: HTTP ${status}`);
          finish(
            problem.code === 'ERR_NOT_AUTHORIZED'
              ? new NotAuthorizedError(message)
              : status === 0
                ? new ConnectionLostError(message)
                : new RpcFailedError(message),
          );
          return;
        }
        // A complete response always ends with the service's trailer and the byte count it sent.
        if (request.rstCode !== constants.NGHTTP2_NO_ERROR || trailers === undefined) {
          finish(
            new TruncatedError(
              `${name}: the response was cut after ${received} bytes (no completion trailer)`,
            ),
          );
          return;
        }
        if (trailers[TRAILER_STATUS] === 'error') {
          finish(
            new RpcFailedError(
              `${name} failed mid-stream: ${decodeURIComponent(String(trailers[TRAILER_ERROR] ?? ''))}`,
            ),
          );
          return;
        }
        if (trailers[TRAILER_STATUS] !== 'ok' || Number(trailers[TRAILER_BYTES]) !== received) {
          finish(
            new TruncatedError(
              `${name}: received ${received} bytes, the service sent ${String(trailers[TRAILER_BYTES])}`,
            ),
          );
          return;
        }
        finish();
      });
      if (!upload) {
        request.end(arg === undefined ? undefined : JSON.stringify(arg));
      } else if (body instanceof Uint8Array) {
        request.end(body);
      } else {
        (async () => {
          for await (const chunk of body) {
            if (settled) return;
            if (!request.write(chunk)) await drained(request);
          }
          request.end();
        })().catch((error: unknown) => finish(error));
      }
    });
  }
}

/** Opens a client for `serviceId` through `relay`. With a fingerprint the session is pinned E2EE, always. */
export async function connectTunnel(serviceId: string, options: TunnelConnectOptions): Promise<TunnelClient> {
  if (!SERVICE_ID_PATTERN.test(serviceId))
    throw new ArgumentError(`invalid service id ${JSON.stringify(serviceId)}`);
  let fingerprint: string | undefined;
  if (options.fingerprint !== undefined) {
    fingerprint = normalizeFingerprint(options.fingerprint);
    if (fingerprint === undefined)
      throw new ArgumentError(
        'the fingerprint must be 32 bytes of hex (as `openssl x509 -fingerprint -sha256` prints)',
      );
  } else if (!options.insecure) {
    throw new ArgumentError(
      'a fingerprint is required: get the service certificate fingerprint from its operator, out of band',
    );
  }
  if (options.insecure && fingerprint !== undefined)
    throw new ArgumentError('insecure and fingerprint exclude each other');
  const client = new TunnelClient({
    relay: options.relay,
    serviceId,
    ...(fingerprint === undefined ? {} : { fingerprint }),
    ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
    insecure: options.insecure === true,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    sessionPerCall: options.sessionPerCall === true,
    deadlineMs: options.deadlineMs ?? 30_000,
    pingIntervalMs: options.pingIntervalMs ?? 2_000,
  });
  if (!options.sessionPerCall) await client.ready();
  return client;
}
