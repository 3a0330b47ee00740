/**
 * Publish/subscribe. Subscriptions are shared: every session subscribed to the same (match, topic) gets
 * the same subscription id, so one EVENT message serves them all and is encoded once per serializer.
 * Payload elements are copied from PUBLISH to EVENT as they are (list, bare binary or PPT list): the
 * broker never decodes or re-shapes them.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { copyPassthrough, type Dict, isEncryptedPayload, type WampMessage } from '../protocol/messages.ts';
import type { Frame, Serializer } from '../protocol/serializer.ts';
import { isMatchPolicy, isValidUri, type MatchPolicy, wildcardMatches } from '../protocol/uri.ts';
import { randomId, SequentialIds } from './ids.ts';
import type { Realm } from './realm.ts';
import type { Router } from './router.ts';
import type { RouterSession } from './session.ts';

export interface Subscription {
  id: number;
  topic: string;
  match: MatchPolicy;
  components: string[];
  subscribers: Set<RouterSession>;
}

const PUBLISH_PAYLOAD = 4;

function idList(value: unknown): number[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) return false;
  return value as number[];
}

function stringList(value: unknown): string[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return false;
  return value as string[];
}

interface Filters {
  excludeSet: Set<number> | undefined;
  eligibleSet: Set<number> | undefined;
  excludeAuthid: string[] | undefined;
  excludeAuthrole: string[] | undefined;
  eligibleAuthid: string[] | undefined;
  eligibleAuthrole: string[] | undefined;
  filtered: boolean;
}

/** Black/whitelisting options of a PUBLISH; `undefined` when one is not a list of the right type. */
function parseFilters(options: Dict): Filters | undefined {
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
    filtered: [exclude, eligible, excludeAuthid, excludeAuthrole, eligibleAuthid, eligibleAuthrole].some(
      (item) => item !== undefined,
    ),
  };
}

export class Broker {
  readonly #realm: Realm;
  readonly #router: Router;
  readonly #ids = new SequentialIds();
  readonly #exact = new Map<string, Subscription>();
  readonly #prefix = new Map<string, Subscription>();
  readonly #wildcard = new Map<string, Subscription>();
  readonly #byId = new Map<number, Subscription>();

  constructor(realm: Realm, router: Router) {
    this.#realm = realm;
    this.#router = router;
  }

  #table(match: MatchPolicy): Map<string, Subscription> {
    return match === 'exact' ? this.#exact : match === 'prefix' ? this.#prefix : this.#wildcard;
  }

  subscribe(session: RouterSession, message: WampMessage) {
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
    if (!this.#realm.authorizer.authorize(session.auth!.authrole, topic, 'subscribe'))
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
    if (session.subscriptions.size >= this.#router.limits.maxSubscriptionsPerSession) {
      this.#router.observer.error?.('max_subscriptions', String(session.id));
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
        components: topic.split('.'),
        subscribers: new Set(),
      };
      table.set(topic, subscription);
      this.#byId.set(subscription.id, subscription);
    }
    subscription.subscribers.add(session);
    session.subscriptions.add(subscription);
    session.send([MessageType.SUBSCRIBED, request, subscription.id]);
  }

  unsubscribe(session: RouterSession, message: WampMessage) {
    const request = message[1] as number;
    const subscription = this.#byId.get(message[2] as number);
    if (subscription === undefined || !subscription.subscribers.has(session))
      return session.sendError(MessageType.UNSUBSCRIBE, request, WampErrors.NO_SUCH_SUBSCRIPTION);
    this.#drop(session, subscription);
    session.send([MessageType.UNSUBSCRIBED, request]);
  }

  #drop(session: RouterSession, subscription: Subscription): void {
    subscription.subscribers.delete(session);
    session.subscriptions.delete(subscription);
    if (subscription.subscribers.size === 0) {
      this.#table(subscription.match).delete(subscription.topic);
      this.#byId.delete(subscription.id);
    }
  }

  removeSession(session: RouterSession): void {
    for (const subscription of [...session.subscriptions]) this.#drop(session, subscription);
  }

  #matching(topic: string): Subscription[] {
    const out: Subscription[] = [];
    const exact = this.#exact.get(topic);
    if (exact !== undefined) out.push(exact);
    for (const subscription of this.#prefix.values())
      if (topic.startsWith(subscription.topic)) out.push(subscription);
    for (const subscription of this.#wildcard.values())
      if (wildcardMatches(subscription.components, topic)) out.push(subscription);
    return out;
  }

  publish(session: RouterSession, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const topic = message[3] as string;
    const acknowledge = options.acknowledge === true;
    const fail = (uri: string, text?: string) => {
      if (acknowledge) session.sendError(MessageType.PUBLISH, request, uri, text);
    };
    const encrypted = isEncryptedPayload(options);
    if (options.ppt_scheme !== undefined && !session.features('publisher', 'payload_passthru_mode'))
      return session.abort(
        WampErrors.PROTOCOL_VIOLATION,
        'payload passthru used without announcing payload_passthru_mode',
      );
    if (!isValidUri(topic)) return fail(WampErrors.INVALID_URI);
    if (!this.#realm.authorizer.authorize(session.auth!.authrole, topic, 'publish'))
      return fail(WampErrors.NOT_AUTHORIZED, `not authorized to publish to ${topic}`);
    const filters = parseFilters(options);
    if (filters === undefined)
      return fail(
        WampErrors.INVALID_ARGUMENT,
        'exclude/eligible options must be lists of session ids or strings',
      );
    const {
      excludeSet,
      eligibleSet,
      excludeAuthid,
      excludeAuthrole,
      eligibleAuthid,
      eligibleAuthrole,
      filtered,
    } = filters;
    this.#router.observer.payload?.(encrypted);
    const publication = randomId();
    const excludeMe = options.exclude_me !== false;
    const ppt = options.ppt_scheme !== undefined;
    const tail = message.length > PUBLISH_PAYLOAD ? message.slice(PUBLISH_PAYLOAD) : [];
    for (const subscription of this.#matching(topic)) {
      const details: Dict = {};
      if (subscription.match !== 'exact') details.topic = topic;
      if (options.disclose_me === true) {
        details.publisher = session.id;
        details.publisher_authid = session.auth!.authid;
        details.publisher_authrole = session.auth!.authrole;
      }
      copyPassthrough(options, details);
      const event = [MessageType.EVENT, subscription.id, publication, details, ...tail];
      const cache = new Map<Serializer, Frame>();
      for (const receiver of subscription.subscribers) {
        if (receiver === session && excludeMe) continue;
        if (filtered) {
          const auth = receiver.auth!;
          if (excludeSet?.has(receiver.id)) continue;
          if (eligibleSet && !eligibleSet.has(receiver.id)) continue;
          if (excludeAuthid?.includes(auth.authid)) continue;
          if (excludeAuthrole?.includes(auth.authrole)) continue;
          if (eligibleAuthid && !eligibleAuthid.includes(auth.authid)) continue;
          if (eligibleAuthrole && !eligibleAuthrole.includes(auth.authrole)) continue;
        }
        // A subscriber that did not announce PPT could not tell the payload is not its arguments.
        if (ppt && !receiver.features('subscriber', 'payload_passthru_mode')) continue;
        receiver.sendShared(event, cache);
      }
    }
    if (acknowledge) session.send([MessageType.PUBLISHED, request, publication]);
  }
}
