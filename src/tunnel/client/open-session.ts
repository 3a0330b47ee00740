/**
 * One E2EE session: a WebSocket to the relay, TLS inside it with the service's certificate pinned, HTTP/2
 * inside that, and (with a token) channel-bound session verification.
 *
 * The order is the security argument. The pin is compared synchronously in `secureConnect`, before HTTP/2
 * exists and before anything is written; on a mismatch the socket is destroyed and the caller gets
 * ERR_PIN_MISMATCH naming a possible man-in-the-middle — there is no "accept anyway". The access token's
 * proof is sent only on a session that passed the pin.
 */
import type { X509Certificate } from 'node:crypto';
import { type ClientHttp2Session, connect as h2connect } from 'node:http2';
import type { Duplex } from 'node:stream';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import {
  ArgumentError,
  ConnectionLostError,
  MalformedError,
  NotAuthorizedError,
  PinMismatchError,
  SealwireError,
  TimeoutError,
  TunnelUnavailableError,
} from '../../errors.ts';
import { EXPORTER_LABEL, TUNNEL_PATHS } from '../protocol.ts';
import { webSocketStream } from '../streams.ts';
import { sessionProof } from '../token.ts';

export interface E2eeInfo {
  /** True when the call ran inside TLS to the pinned certificate. */
  used: boolean;
  serviceId: string;
  /** The pinned and verified SHA-256 fingerprint (upper-case colon hex). */
  fingerprint?: string;
  /** The service certificate's subject. */
  subject?: string;
  /** True when the session presented a valid access token. */
  verified: boolean;
}

export interface SessionOptions {
  relay: string;
  serviceId: string;
  fingerprint?: string;
  accessToken?: string;
  insecure: boolean;
  connectTimeoutMs: number;
}

export interface OpenedSession {
  h2: ClientHttp2Session;
  e2ee: E2eeInfo;
  close(): void;
}

const WINDOW = 16 * 1024 * 1024;

function unavailable(message: string, cause?: unknown): TunnelUnavailableError {
  return new TunnelUnavailableError(message, cause === undefined ? undefined : { cause });
}

function openWebSocket(options: SessionOptions): Promise<WebSocket> {
  const url = new URL(TUNNEL_PATHS.client, options.relay.replace(/^http/, 'ws'));
  url.searchParams.set('id', options.serviceId);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: options.connectTimeoutMs });
    const fail = (error: Error) => {
      ws.terminate();
      reject(error);
    };
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      fail(unavailable(`relay answered HTTP ${res.statusCode} for ${url.pathname}`)),
    );
    // The socket error stays as the cause: callers (the CLI) explain ECONNREFUSED and friends from it.
    ws.once('error', (error) =>
      fail(unavailable(`cannot reach the relay at ${options.relay}: ${error.message}`, error)),
    );
  });
}

/** Resolves once TLS is up and the pin matched; the check runs inside the `secureConnect` callback. */
function pinnedTls(
  stream: Duplex,
  options: SessionOptions,
  pin: string,
): Promise<{ socket: TLSSocket; certificate: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: stream,
      servername: options.serviceId,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.3',
      // The certificate is self-signed: trust comes from the pin, checked below, not from a CA.
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerX509Certificate();
      if (certificate === undefined || certificate.fingerprint256 !== pin) {
        socket.destroy();
        reject(
          new PinMismatchError(
            `the service presented certificate ${certificate?.fingerprint256 ?? '(none)'}, not the pinned ${pin}: possible man-in-the-middle; nothing was sent`,
          ),
        );
        return;
      }
      if (socket.alpnProtocol !== 'h2') {
        socket.destroy();
        reject(unavailable('the service did not negotiate HTTP/2'));
        return;
      }
      resolve({ socket, certificate });
    });
    socket.once('error', (error) =>
      reject(unavailable(`TLS to ${options.serviceId} failed: ${error.message}`)),
    );
  });
}

function postJson(
  h2: ClientHttp2Session,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; value: unknown }> {
  return new Promise((resolve, reject) => {
    const request = h2.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
    const timer = setTimeout(() => {
      request.close();
      reject(new TimeoutError(`${path} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let status = 0;
    const chunks: Buffer[] = [];
    request.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      clearTimeout(timer);
      try {
        resolve({ status, value: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      } catch {
        reject(new MalformedError(`${path} answered with invalid JSON`));
      }
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(new ConnectionLostError(`${path}: ${error.message}`));
    });
    request.end(JSON.stringify(body));
  });
}

export async function openSession(options: SessionOptions): Promise<OpenedSession> {
  const ws = await openWebSocket(options);
  // allowHalfOpen false: when the relay drops the WebSocket, TLS and every HTTP/2 stream close at once.
  const stream = webSocketStream(ws);
  stream.on('error', () => {});
  let relayClose: SealwireError | undefined;
  const closedBeforeReady = new Promise<never>((_, reject) => {
    ws.once('close', (code, reason) => {
      relayClose = unavailable(`relay closed the tunnel (${code}${reason.length ? `: ${reason}` : ''})`);
      reject(relayClose);
    });
  });
  closedBeforeReady.catch(() => {});
  const e2ee: E2eeInfo = { used: false, serviceId: options.serviceId, verified: false };
  let h2: ClientHttp2Session;
  let tls: TLSSocket | undefined;
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(unavailable(`no session with ${options.serviceId} within ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    ).unref(),
  );
  try {
    if (options.fingerprint !== undefined) {
      const pinned = await Promise.race([
        pinnedTls(stream, options, options.fingerprint),
        closedBeforeReady,
        timeout,
      ]);
      tls = pinned.socket;
      const certificate = pinned.certificate;
      Object.assign(e2ee, {
        used: true,
        fingerprint: certificate.fingerprint256,
        subject: certificate.subject.replace(/\n/g, ', '),
      });
      const socket = tls;
      h2 = h2connect(`https://${options.serviceId}`, {
        createConnection: () => socket,
        settings: { initialWindowSize: WINDOW },
      });
    } else {
      h2 = h2connect(`http://${options.serviceId}`, {
        createConnection: () => stream,
        settings: { initialWindowSize: WINDOW },
      });
    }
    h2.on('error', () => {});
    await Promise.race([
      new Promise<void>((resolve) => h2.once('connect', () => resolve())),
      closedBeforeReady,
      timeout,
    ]);
    h2.setLocalWindowSize(WINDOW);
  } catch (error) {
    // A relay that refuses (unknown service, limits) closes right after the upgrade; TLS then fails first.
    // Give the close frame a moment so the caller sees the relay's reason, not a TLS symptom.
    if (relayClose === undefined && !(error instanceof SealwireError && error.code === 'ERR_PIN_MISMATCH')) {
      await Promise.race([
        closedBeforeReady.catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 250)),
      ]);
    }
    ws.terminate();
    throw relayClose ?? error;
  }
  if (options.accessToken !== undefined) {
    if (tls === undefined)
      throw new ArgumentError('an access token is only ever sent inside a pinned E2EE session');
    const exporter = tls.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0));
    const answer = await postJson(
      h2,
      '/session/verify',
      sessionProof(options.accessToken, exporter),
      options.connectTimeoutMs,
    );
    if (answer.status !== 200) {
      h2.destroy();
      ws.terminate();
      const message = (answer.value as { message?: string } | null)?.message ?? `HTTP ${answer.status}`;
      throw new NotAuthorizedError(`session verification failed: ${message}`);
    }
    e2ee.verified = true;
  }
  return {
    h2,
    e2ee,
    close() {
      h2.close();
      ws.close(1000, 'client done');
    },
  };
}
