/**
 * RPCs over HTTP/2 inside the TLS session: many concurrent calls per session, streaming in both directions,
 * and a completion trailer on every response so that a cut stream can never pass for a complete one.
 *
 * Requests: `POST /rpc/NAME` with a JSON body (the argument) or, for uploads, an octet-stream body with the
 * JSON argument in the `x-sealwire-arg` header; `GET /capabilities`; `POST /session/verify`.
 * Responses: JSON for values, octet-stream for bytes and byte streams, NDJSON for streams of values; then the
 * trailers `x-sealwire-status: ok|error` and `x-sealwire-bytes: N`.
 */
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  ArgumentError,
  LimitExceededError,
  MalformedError,
  NotAuthorizedError,
  SealwireError,
} from '../../errors.ts';
import { EXPORTER_LABEL, TRAILER_BYTES, TRAILER_ERROR, TRAILER_STATUS } from '../protocol.ts';
import { drained } from '../streams.ts';
import { type TokenClaims, verifySessionProof } from '../token.ts';

export interface RpcContext {
  /** Whether this call arrived inside the E2EE (TLS) session. */
  e2ee: boolean;
  /** Whether the session presented a valid access token. */
  verified: boolean;
  claims?: TokenClaims;
  /** Aborted when the caller cancels or the session goes away. */
  signal: AbortSignal;
  /** For uploads (octet-stream requests): the request body. */
  body?: AsyncIterable<Buffer>;
}

export type RpcValue = unknown;
/** A handler returns a JSON value, bytes, or an async iterable of bytes or of JSON values (a stream). */
export type RpcHandler = (arg: RpcValue, ctx: RpcContext) => Promise<unknown> | unknown;

export interface RpcServerOptions {
  serviceId: string;
  certPem: string;
  keyPem: string;
  fingerprint: string;
  tokenKey: Uint8Array;
  requireE2ee: boolean;
  requireSessionVerification: boolean;
  /** Largest JSON argument (default 16 MiB); uploads are streamed and not capped here. */
  maxJsonBytes?: number;
}

interface SessionState {
  e2ee: boolean;
  verified: boolean;
  claims?: TokenClaims;
}

const WINDOW = 16 * 1024 * 1024;
const SETTINGS = { initialWindowSize: WINDOW, maxConcurrentStreams: 1000 };

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export class RpcServer {
  readonly #options: RpcServerOptions;
  readonly #handlers = new Map<string, RpcHandler>();
  readonly #sessions = new WeakMap<Http2Session, SessionState>();
  readonly #secure: Http2SecureServer;
  readonly #plain: Http2Server;
  readonly #live = new Set<Http2Session>();

  constructor(options: RpcServerOptions) {
    this.#options = options;
    this.#secure = createSecureServer({
      key: options.keyPem,
      cert: options.certPem,
      allowHTTP1: false,
      settings: SETTINGS,
      minVersion: 'TLSv1.3',
    });
    this.#plain = createServer({ settings: SETTINGS });
    for (const [server, e2ee] of [
      [this.#secure, true],
      [this.#plain, false],
    ] as const) {
      server.on('session', (session: Http2Session) => {
        this.#sessions.set(session, { e2ee, verified: false });
        this.#live.add(session);
        session.on('close', () => this.#live.delete(session));
        // Grow the connection window too, or bulk transfers crawl at the 64 KiB default.
        session.setLocalWindowSize(WINDOW);
      });
      server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
        this.#route(stream, headers).catch((error: unknown) => this.#fail(stream, error));
      });
    }
    this.handle('ping', (arg) => arg ?? null);
    this.handle('capabilities', (_arg, ctx) => this.#capabilities(ctx));
  }

  /** Registers `name`; handlers see the argument and the E2EE/verification state of the session. */
  handle(name: string, handler: RpcHandler): this {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name))
      throw new ArgumentError(`invalid RPC name ${JSON.stringify(name)}`);
    this.#handlers.set(name, handler);
    return this;
  }

  /**
   * Serves one relayed stream. The first byte tells TLS (a handshake record, 0x16) from cleartext HTTP/2;
   * cleartext is served only as far as policy allows (with require_e2ee: `capabilities` alone).
   */
  accept(stream: Duplex): void {
    stream.once('data', (first: Buffer) => {
      stream.pause();
      stream.unshift(first);
      (first[0] === 0x16 ? this.#secure : this.#plain).emit('connection', stream);
    });
    stream.on('error', () => stream.destroy());
  }

  /** Closes every live session. */
  close(): void {
    for (const session of this.#live) session.destroy();
    this.#secure.close();
    this.#plain.close();
  }

  #capabilities(ctx: { e2ee: boolean; verified: boolean }) {
    return {
      serviceId: this.#options.serviceId,
      e2ee: ctx.e2ee,
      fingerprint: this.#options.fingerprint,
      requireE2ee: this.#options.requireE2ee,
      requireSessionVerification: this.#options.requireSessionVerification,
      verified: ctx.verified,
      rpcs: [...this.#handlers.keys()].sort(),
    };
  }

  async #route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const state = this.#sessions.get(stream.session!) ?? { e2ee: false, verified: false };
    const method = headers[':method'];
    const path = String(headers[':path'] ?? '');
    // Capabilities answer in every state (outside E2EE, before verification): they reveal only policy.
    if (
      (method === 'GET' && path === '/capabilities') ||
      (method === 'POST' && path === '/rpc/capabilities')
    ) {
      this.#json(stream, 200, this.#capabilities(state));
      return;
    }
    if (!state.e2ee && this.#options.requireE2ee) {
      this.#json(stream, 403, {
        code: 'ERR_NOT_AUTHORIZED',
        message: 'this service requires end-to-end encryption; only capabilities answers without it',
      });
      return;
    }
    if (method === 'POST' && path === '/session/verify') {
      await this.#verify(stream, state);
      return;
    }
    const match = /^\/rpc\/([A-Za-z0-9_.-]{1,128})$/.exec(path);
    if (method !== 'POST' || !match) {
      this.#json(stream, 404, {
        code: 'ERR_RPC_FAILED',
        message: `no such endpoint: ${method} ${path.slice(0, 100)}`,
      });
      return;
    }
    const name = match[1]!;
    const handler = this.#handlers.get(name);
    if (handler === undefined) {
      this.#json(stream, 404, { code: 'ERR_RPC_FAILED', message: `no such RPC: ${name}` });
      return;
    }
    if (this.#options.requireSessionVerification && !state.verified && name !== 'capabilities') {
      this.#json(stream, 401, {
        code: 'ERR_NOT_AUTHORIZED',
        message: 'session verification required: present an access token',
      });
      return;
    }
    const controller = new AbortController();
    stream.on('close', () => controller.abort());
    const upload = headers['content-type'] === 'application/octet-stream';
    let arg: unknown;
    if (upload) {
      const header = headers['x-sealwire-arg'];
      try {
        arg = typeof header === 'string' ? JSON.parse(decodeURIComponent(header)) : undefined;
      } catch {
        throw new MalformedError('x-sealwire-arg is not URI-encoded JSON');
      }
    } else {
      arg = await this.#readJson(stream);
    }
    const ctx: RpcContext = { e2ee: state.e2ee, verified: state.verified, signal: controller.signal };
    if (state.claims !== undefined) ctx.claims = state.claims;
    if (upload) ctx.body = stream as AsyncIterable<Buffer>;
    const result = await handler(arg, ctx);
    await this.#respond(stream, result);
  }

  async #verify(stream: ServerHttp2Stream, state: SessionState): Promise<void> {
    const socket = stream.session?.socket as TLSSocket | undefined;
    const presented = await this.#readJson(stream);
    try {
      if (socket === undefined || !state.e2ee)
        throw new NotAuthorizedError('session verification needs the E2EE session');
      const exporter = socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0));
      const claims = verifySessionProof(this.#options.tokenKey, presented, exporter, {
        serviceId: this.#options.serviceId,
        fingerprint: this.#options.fingerprint,
      });
      state.verified = true;
      state.claims = claims;
      this.#json(stream, 200, { verified: true, exp: claims.exp });
    } catch (error) {
      const message = error instanceof SealwireError ? error.message : 'verification failed';
      this.#json(stream, 401, { code: 'ERR_NOT_AUTHORIZED', message });
    }
  }

  async #readJson(stream: ServerHttp2Stream): Promise<unknown> {
    const max = this.#options.maxJsonBytes ?? 16 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new LimitExceededError(`request body over ${max} bytes`);
      chunks.push(chunk);
    }
    if (size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new MalformedError('request body is not JSON');
    }
  }

  #json(stream: ServerHttp2Stream, status: number, value: unknown): void {
    if (stream.destroyed || stream.headersSent) return;
    const body = Buffer.from(JSON.stringify(value));
    stream.respond({ ':status': status, 'content-type': 'application/json' }, { waitForTrailers: true });
    stream.on('wantTrailers', () =>
      stream.sendTrailers({ [TRAILER_STATUS]: 'ok', [TRAILER_BYTES]: String(body.length) }),
    );
    stream.end(body);
  }

  async #respond(stream: ServerHttp2Stream, result: unknown): Promise<void> {
    if (stream.destroyed) return;
    if (!isAsyncIterable(result)) {
      if (result instanceof Uint8Array) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/octet-stream' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ [TRAILER_STATUS]: 'ok', [TRAILER_BYTES]: String(result.length) }),
        );
        stream.end(result);
        return;
      }
      this.#json(stream, 200, result === undefined ? null : result);
      return;
    }
    let bytes = 0;
    let binary: boolean | undefined;
    let status: Record<string, string> = { [TRAILER_STATUS]: 'ok' };
    const iterator = result[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || stream.destroyed) break;
        binary ??= next.value instanceof Uint8Array;
        if (!stream.headersSent) {
          stream.respond(
            { ':status': 200, 'content-type': binary ? 'application/octet-stream' : 'application/x-ndjson' },
            { waitForTrailers: true },
          );
        }
        const chunk = binary ? (next.value as Uint8Array) : Buffer.from(`${JSON.stringify(next.value)}\n`);
        bytes += chunk.length;
        // Respect the peer's flow control: wait for drain instead of queueing the whole stream in memory.
        if (!stream.write(chunk)) await drained(stream);
      }
    } catch (error) {
      status = {
        [TRAILER_STATUS]: 'error',
        [TRAILER_ERROR]: encodeURIComponent((error as Error).message ?? 'handler failed').slice(0, 1000),
      };
      if (!stream.headersSent) {
        this.#fail(stream, error);
        return;
      }
    } finally {
      await iterator.return?.();
    }
    if (stream.destroyed) return;
    if (!stream.headersSent)
      stream.respond(
        { ':status': 200, 'content-type': 'application/octet-stream' },
        { waitForTrailers: true },
      );
    stream.on('wantTrailers', () => stream.sendTrailers({ ...status, [TRAILER_BYTES]: String(bytes) }));
    stream.end();
  }

  #fail(stream: ServerHttp2Stream, error: unknown): void {
    if (stream.destroyed) return;
    if (stream.headersSent) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const code = error instanceof SealwireError ? error.code : 'ERR_RPC_FAILED';
    const status = code === 'ERR_LIMIT_EXCEEDED' ? 413 : code === 'ERR_MALFORMED' ? 400 : 500;
    this.#json(stream, status, {
      code: status === 500 ? 'ERR_RPC_FAILED' : code,
      message: (error as Error)?.message ?? String(error),
    });
  }
}
