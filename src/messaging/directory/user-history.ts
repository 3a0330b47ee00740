/**
 * One user's devices, worked out from the user's directory events in order. The same replay runs on the
 * directory (to refuse an event that does not follow from the user's history before it is appended) and on
 * every client (to refuse a history the directory serves that the user could not have made). The rules:
 * events count up from 0 and each names the previous one; `register` fixes the identity key, and every
 * later event and card is signed by it; `add` publishes a device that has no live card; `rotate` replaces
 * a device's live card with one naming it; `revoke` ends a live card.
 *
 * Every card ever published is kept with when it was live, so an envelope sent before a rotation or a
 * revocation still verifies against the card that was valid when it was sent.
 */
import { MalformedError, SignatureInvalidError } from '../../errors.ts';
import { cardId, type DeviceCard } from './card.ts';
import { type DirectoryEvent, eventId, verifyEventSignature } from './event.ts';

/** A card and the span of directory time it was live in (`until` null: still live). */
export interface CardSpan {
  id: string;
  card: DeviceCard;
  from: number;
  until: number | null;
}

export class UserHistory {
  readonly user: string;
  #identityKey: string | undefined;
  #seq = 0;
  #lastEventId: string | null = null;
  /** Live cards by device name. */
  readonly #live = new Map<string, CardSpan>();
  /** Every card, by id. */
  readonly #cards = new Map<string, CardSpan>();

  constructor(user: string, events: Iterable<DirectoryEvent> = []) {
    this.user = user;
    for (const event of events) this.apply(event);
  }

  /** The identity key (base64url) the user registered with; undefined before `register`. */
  get identityKey(): string | undefined {
    return this.#identityKey;
  }

  /** How many events the history holds (the `seq` the next one must carry). */
  get length(): number {
    return this.#seq;
  }

  /** The id of the newest event (what the next one must name as `prior`). */
  get lastEventId(): string | null {
    return this.#lastEventId;
  }

  /** The devices' live cards. */
  liveCards(): DeviceCard[] {
    return [...this.#live.values()].map((span) => span.card);
  }

  /** A card by id, live or not, with its span. */
  card(id: string): CardSpan | undefined {
    return this.#cards.get(id);
  }

  /**
   * The card `id` if it was live at `time` (seconds): what an envelope stating that time is verified against.
   * A card revoked or replaced before `time` is not: a stolen old key cannot sign new mail.
   */
  cardLiveAt(id: string, time: number): DeviceCard | undefined {
    const span = this.#cards.get(id);
    if (span === undefined || time < span.from || (span.until !== null && time >= span.until))
      return undefined;
    return span.card;
  }

  /** Checks `event` against the history and applies it; throws (and changes nothing) when it does not follow. */
  apply(event: DirectoryEvent): void {
    const refuse = (why: string) => new MalformedError(`directory event ${event.user}#${event.seq}: ${why}`);
    if (event.user !== this.user) throw refuse(`not an event of ${this.user}`);
    if (event.seq !== this.#seq) throw refuse(`expected event #${this.#seq} of ${this.user}`);
    if (event.prior !== this.#lastEventId) throw refuse('it does not name the previous event');
    const identityKey = event.kind === 'register' ? event.card!.identityKey : this.#identityKey!;
    verifyEventSignature(event, identityKey);
    if (event.card !== null && event.card.identityKey !== identityKey)
      throw new SignatureInvalidError(
        `directory event ${event.user}#${event.seq}: the card is signed by another identity key`,
      );
    const card = event.card;
    switch (event.kind) {
      case 'register':
      case 'add': {
        if (card!.previous !== null) throw refuse('a new device card names a previous card');
        if (this.#live.has(card!.device)) throw refuse(`device ${card!.device} already has a live card`);
        break;
      }
      case 'rotate': {
        const current = this.#live.get(card!.device);
        if (current === undefined || card!.previous !== current.id)
          throw refuse(`the card does not replace device ${card!.device}'s live card`);
        break;
      }
      case 'revoke': {
        const target = this.#cards.get(event.revoked!);
        if (target === undefined || target.until !== null) throw refuse('the revoked card is not live');
        break;
      }
    }
    // Checked: apply.
    if (event.kind === 'register') this.#identityKey = identityKey;
    if (event.kind === 'rotate' || event.kind === 'revoke') {
      const ended =
        event.kind === 'rotate' ? this.#live.get(card!.device)! : this.#cards.get(event.revoked!)!;
      ended.until = event.time;
      this.#live.delete(ended.card.device);
    }
    if (card !== null) {
      const span: CardSpan = { id: cardId(card), card, from: event.time, until: null };
      this.#cards.set(span.id, span);
      this.#live.set(card.device, span);
    }
    this.#seq++;
    this.#lastEventId = eventId(event);
  }
}
