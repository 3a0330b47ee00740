/**
 * Publish/subscribe. Subscriptions are shared: every session subscribed to the same (match, topic) gets
 * the same subscription id, so one EVENT message serves them all and is encoded once per serializer.
 * Payload elements are copied from PUBLISH to EVENT as they are (list, bare binary or PPT list): the
 * broker never decodes or re-shapes them. Prefix and wildcard subscriptions live in indexes (see
 * `uri-index.ts`), so a PUBLISH costs in proportion to its matching subscriptions, not to all of them.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { copyPassthrough, type Dict, isEncryptedPayload, type WampMessage } from '../protocol/messages.ts';
import { isMatchPolicy, isValidUri, type MatchPolicy } from '../protocol/uri.ts';
import type { RealmContext } from './context.ts';
import { SharedFrames } from './frames.ts';
import { randomId, SequentialIds } from './ids.ts';
import type { RouterPeer } from './peer.ts';
import type { Broker } from './routing.ts';
import { type IndexStats, type PatternTable, PrefixIndex, WildcardIndex } from './uri-index.ts';

export interface Subscription {
  id: number;
  topic: string;
  match: MatchPolicy;
  subscribers: Set<RouterPeer>;
}

const PUBLISH_PAYLOAD = 4;

function idList(value: unknown): number[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return false;
  // Session IDs only, exactly: a safe integer. A decoded 2^53 + 1 has been rounded to 2^53 (or beyond) and
  // would exclude or admit some other session, so it is refused, not rounded (see ids.ts).
  for (const item of value) if (!Number.isSafeInteger(item) || (item as number) < 1) return false;
  return value as number[];
}

function stringList(value: unknown): string[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return value as string[];
}

interface Filters {
  excludeSet: Set<number> | undefined;
  eligibleSet: Set<number> | undefined;
  excludeAuthid: string[] | undefined;
  excludeAuthrole: string[] | undefined;
  eligibleAuthid: string[] | undefined;
  eligibleAuthrole: string[] | undefined;
}

/**
 * Black/whitelisting options of a PUBLISH: `null` when there are none (the common case, checked without
 * allocating), `undefined` when one is not a list of the right type.
 */
function parseFilters(options: Dict): Filters | null | undefined {
  if (
    options.exclude === undefined &&
    options.eligible === undefined &&
    options.exclude_authid === undefined &&
    options.exclude_authrole === undefined &&
    options.eligible_authid === undefined &&
    options.eligible_authrole === undefined
  )
    return null;
  const exclude = idList(options.exclude);
  const eligible = idList(options.eligible);
  const excludeAuthid = stringList(options.exclude_authid);
  const excludeAuthrole = stringList(options.exclude_authrole);
  const eligibleAuthid = stringList(options.eligible_authid);
  const eligibleAuthrole = stringList(options.eligible_authrole);
  if (
    exclude === false ||
    eligible === false ||
    excludeAuthid === false ||
    excludeAuthrole === false ||
    eligibleAuthid === false ||
    eligibleAuthrole === false
  )
    return undefined;
  return {
    excludeSet: exclude ? new Set(exclude) : undefined,
    eligibleSet: eligible ? new Set(eligible) : undefined,
    excludeAuthid,
    excludeAuthrole,
    eligibleAuthid,
    eligibleAuthrole,
  };
}

function passesFilters(filters: Filters, receiver: RouterPeer): boolean {
  const auth = receiver.auth!;
  if (filters.excludeSet?.has(receiver.id)) return false;
  if (filters.eligibleSet && !filters.eligibleSet.has(receiver.id)) return false;
  if (filters.excludeAuthid?.includes(auth.authid)) return false;
  if (filters.excludeAuthrole?.includes(auth.authrole)) return false;
  if (filters.eligibleAuthid && !filters.eligibleAuthid.includes(auth.authid)) return false;
  if (filters.eligibleAuthrole && !filters.eligibleAuthrole.includes(auth.authrole)) return false;
  return true;
}

/** What one PUBLISH carries to every matching subscription. */
interface Publication {
  publisher: RouterPeer;
  id: number;
  topic: string;
  options: Dict;
  message: WampMessage;
  filters: Filters | null;
  excludeMe: boolean;
  ppt: boolean;
  /** Details for exact and pattern subscriptions, made on first use and shared. */
  exactDetails: Dict | undefined;
  patternDetails: Dict | undefined;
}

/** Publish/subscribe among the sessions of this process. */
export class LocalBroker implements Broker {
  readonly #context: RealmContext;
  readonly #ids = new SequentialIds();
  readonly #exact = new Map<string, Subscription>();
  readonly #prefix = new PrefixIndex<Subscription>();
  readonly #wildcard = new WildcardIndex<Subscription>();
  readonly #byId = new Map<number, Subscription>();
  /** Each session's subscriptions, for its limit and for when it leaves. */
  readonly #subscriptionsOf = new Map<RouterPeer, Set<Subscription>>();

  constructor(context: RealmContext) {
    this.#context = context;
  }

  /** Subscriptions held, and what the pattern indexes hold and have visited (tests, diagnostics). */
  get stats(): { subscriptions: number; prefix: IndexStats; wildcard: IndexStats } {
    return { subscriptions: this.#byId.size, prefix: this.#prefix.stats, wildcard: this.#wildcard.stats };
  }

  #table(match: MatchPolicy): PatternTable<Subscription> {
    return match === 'exact' ? this.#exact : match === 'prefix' ? this.#prefix : this.#wildcard;
  }

  subscribe(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const topic = message[3] as string;
    const match = options.match ?? 'exact';
    if (!isMatchPolicy(match))
      return session.sendError(
        MessageType.SUBSCRIBE,
        request,
        WampErrors.INVALID_ARGUMENT,
        'match must be exact, prefix or wildcard',
      );
    if (!isValidUri(topic, match))
      return session.sendError(MessageType.SUBSCRIBE, request, WampErrors.INVALID_URI);
    if (!this.#context.authorizer.authorize(session.auth!.authrole, topic, 'subscribe'))
      return session.sendError(
        MessageType.SUBSCRIBE,
        request,
        WampErrors.NOT_AUTHORIZED,
        `not authorized to subscribe to ${topic}`,
      );
    const table = this.#table(match);
    let subscription = table.get(topic);
    if (subscription?.subscribers.has(session))
      return session.send([MessageType.SUBSCRIBED, request, subscription.id]);
    const held = this.#subscriptionsOf.get(session);
    if (held !== undefined && held.size >= this.#context.limits.maxSubscriptionsPerSession) {
      this.#context.observer.error?.('max_subscriptions', String(session.id));
      return session.sendError(
        MessageType.SUBSCRIBE,
        request,
        WampErrors.LIMIT_EXCEEDED,
        'too many subscriptions on this session',
      );
    }
    if (subscription === undefined) {
      subscription = {
        id: this.#ids.next(),
        topic,
        match,
        subscribers: new Set(),
      };
      table.set(topic, subscription);
      this.#byId.set(subscription.id, subscription);
    }
    subscription.subscribers.add(session);
    if (held === undefined) this.#subscriptionsOf.set(session, new Set([subscription]));
    else held.add(subscription);
    session.send([MessageType.SUBSCRIBED, request, subscription.id]);
  }

  unsubscribe(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const subscription = this.#byId.get(message[2] as number);
    if (subscription === undefined || !subscription.subscribers.has(session))
      return session.sendError(MessageType.UNSUBSCRIBE, request, WampErrors.NO_SUCH_SUBSCRIPTION);
    this.#drop(session, subscription);
    session.send([MessageType.UNSUBSCRIBED, request]);
  }

  #drop(session: RouterPeer, subscription: Subscription): void {
    subscription.subscribers.delete(session);
    this.#subscriptionsOf.get(session)?.delete(subscription);
    if (subscription.subscribers.size === 0) {
      this.#table(subscription.match).delete(subscription.topic);
      this.#byId.delete(subscription.id);
    }
  }

  sessionLeft(session: RouterPeer): void {
    const held = this.#subscriptionsOf.get(session);
    if (held === undefined) return;
    this.#subscriptionsOf.delete(session);
    for (const subscription of held) this.#drop(session, subscription);
  }

  publish(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const topic = message[3] as string;
    const acknowledge = options.acknowledge === true;
    const ppt = options.ppt_scheme !== undefined;
    if (ppt && !session.features('publisher', 'payload_passthru_mode'))
      return session.abort(
        WampErrors.PROTOCOL_VIOLATION,
        'payload passthru used without announcing payload_passthru_mode',
      );
    if (!isValidUri(topic)) {
      if (acknowledge) session.sendError(MessageType.PUBLISH, request, WampErrors.INVALID_URI);
      return;
    }
    if (!this.#context.authorizer.authorize(session.auth!.authrole, topic, 'publish')) {
      if (acknowledge)
        session.sendError(
          MessageType.PUBLISH,
          request,
          WampErrors.NOT_AUTHORIZED,
          `not authorized to publish to ${topic}`,
        );
      return;
    }
    const filters = parseFilters(options);
    if (filters === undefined) {
      if (acknowledge)
        session.sendError(
          MessageType.PUBLISH,
          request,
          WampErrors.INVALID_ARGUMENT,
          'exclude/eligible options must be lists of session ids or strings',
        );
      return;
    }
    this.#context.observer.payload?.(isEncryptedPayload(options));
    const publication: Publication = {
      publisher: session,
      id: randomId(),
      topic,
      options,
      message,
      filters,
      excludeMe: options.exclude_me !== false,
      ppt,
      exactDetails: undefined,
      patternDetails: undefined,
    };
    const exact = this.#exact.get(topic);
    if (exact !== undefined) this.#deliver(exact, publication);
    // Prefix matches, then wildcard matches, each in subscription order: the order the scans had.
    for (const subscription of this.#prefix.match(topic)) this.#deliver(subscription, publication);
    for (const subscription of this.#wildcard.match(topic)) this.#deliver(subscription, publication);
    if (acknowledge) session.send([MessageType.PUBLISHED, request, publication.id]);
  }

  #details(publication: Publication, pattern: boolean): Dict {
    const cached = pattern ? publication.patternDetails : publication.exactDetails;
    if (cached !== undefined) return cached;
    const details: Dict = {};
    if (pattern) details.topic = publication.topic;
    if (publication.options.disclose_me === true) {
      const publisher = publication.publisher;
      details.publisher = publisher.id;
      details.publisher_authid = publisher.auth!.authid;
      details.publisher_authrole = publisher.auth!.authrole;
    }
    copyPassthrough(publication.options, details);
    if (pattern) publication.patternDetails = details;
    else publication.exactDetails = details;
    return details;
  }

  #deliver(subscription: Subscription, publication: Publication): void {
    // The payload elements are copied as they are; the EVENT is encoded at most once per serializer.
    const message = publication.message;
    const event: unknown[] = [
      MessageType.EVENT,
      subscription.id,
      publication.id,
      this.#details(publication, subscription.match !== 'exact'),
    ];
    for (let i = PUBLISH_PAYLOAD; i < message.length; i++) event.push(message[i]);
    const frames = new SharedFrames(event);
    const { publisher, filters, excludeMe, ppt } = publication;
    for (const receiver of subscription.subscribers) {
      if (receiver === publisher && excludeMe) continue;
      if (filters !== null && !passesFilters(filters, receiver)) continue;
      // A subscriber that did not announce PPT could not tell the payload is not its arguments.
      if (ppt && !receiver.features('subscriber', 'payload_passthru_mode')) continue;
      receiver.sendShared(frames);
    }
  }
}
