/**
 * The WAMP router: realms, sessions, limits. Transport-agnostic (see `ws-server.ts` for WebSocket);
 * it routes on URIs and copies encrypted payloads through without decoding them.
 */
import { ArgumentError } from '../../errors.ts';
import type { Serializer } from '../protocol/serializer.ts';
import { isValidUri } from '../protocol/uri.ts';
import type { RouterObserver } from './observer.ts';
import { DEFAULT_LIMITS, DEFAULT_REALMS, type RouterLimits, type RouterOptions } from './options.ts';
import { Realm } from './realm.ts';
import { RouterSession, type SessionHost } from './session.ts';
import type { RouterTransport } from './transport.ts';

export class Router implements SessionHost {
  readonly limits: RouterLimits;
  readonly observer: RouterObserver;
  readonly #realms = new Map<string, Realm>();
  readonly #sessions = new Set<RouterSession>();
  #joined = 0;

  constructor(options: Partial<RouterOptions> = {}, observer: RouterObserver = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value <= 0)
        throw new ArgumentError(`router limit ${name} must be a positive integer`);
    }
    this.observer = observer;
    for (const realm of options.realms ?? DEFAULT_REALMS) {
      if (!isValidUri(realm.name)) throw new ArgumentError(`realm name "${realm.name}" is not a valid URI`);
      if (this.#realms.has(realm.name)) throw new ArgumentError(`realm ${realm.name} is configured twice`);
      this.#realms.set(realm.name, new Realm(realm, this));
    }
  }

  realm(name: string): Realm | undefined {
    return this.#realms.get(name);
  }

  get realms(): readonly Realm[] {
    return [...this.#realms.values()];
  }

  /** Sessions that completed the handshake. */
  get sessionCount(): number {
    return this.#joined;
  }

  /** Connections, joined or still in their handshake. */
  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** A new connection; feed its frames to `receive` and call `transportClosed` when it ends. */
  attach(transport: RouterTransport, serializer: Serializer): RouterSession {
    const session = new RouterSession(this, transport, serializer);
    this.#sessions.add(session);
    return session;
  }

  detach(session: RouterSession): void {
    session.transportClosed();
    this.#sessions.delete(session);
  }

  joined(session: RouterSession): void {
    this.#joined++;
    this.observer.sessionOpened?.(session.realm!.name);
  }

  left(session: RouterSession): void {
    this.#joined--;
    this.observer.sessionClosed?.(session.realm!.name);
  }

  /** GOODBYE (`wamp.close.system_shutdown`) to every session, then close their connections. */
  shutdown(): void {
    for (const session of this.#sessions) session.shutdown();
    this.#sessions.clear();
  }
}
