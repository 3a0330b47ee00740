/**
 * Mailboxes: store-and-forward of envelopes per device. A send is one envelope addressed to a list of
 * devices; each device's copy waits until the device fetches and acknowledges it (then it is deleted), or
 * until its time to live runs out. Delivery is at least once: a fetch that is not acknowledged is served
 * again, and each copy carries the sender's message id so the device drops duplicates. Quotas per device
 * (messages and bytes) and a size cap per envelope bound what any sender can make the service hold.
 *
 * The service sees, and stores: the sending account, the recipient devices, sizes and times. Never the
 * content (an envelope) nor who the devices' users wrote to inside it.
 *
 * `MailboxStore` is what a storage backend implements (embedded, PostgreSQL); `MemoryMailboxStore` is the
 * reference the tests hold every backend to.
 */
import { LimitExceededError, MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';

export interface MailboxLimits {
  /** Largest envelope accepted (default 1 MiB). */
  maxEnvelopeBytes: number;
  /** Most devices one send may address (default 256). */
  maxRecipients: number;
  /** Most messages waiting per device (default 10,000). */
  maxMessagesPerDevice: number;
  /** Most bytes waiting per device (default 64 MiB). */
  maxBytesPerDevice: number;
  /** Seconds a message waits before it is dropped unread (default 30 days). */
  ttlSeconds: number;
}

export const DEFAULT_MAILBOX_LIMITS: Readonly<MailboxLimits> = {
  maxEnvelopeBytes: 1024 * 1024,
  maxRecipients: 256,
  maxMessagesPerDevice: 10_000,
  maxBytesPerDevice: 64 * 1024 * 1024,
  ttlSeconds: 30 * 24 * 3600,
};

/** One device's copy of a message. */
export interface StoredMessage {
  /** The service's id of this copy (what the device acknowledges). */
  id: number;
  /** The sender's id of the message (what the device de-duplicates on). */
  messageId: string;
  /** The sending account, as the service authenticated it. */
  sender: string;
  envelope: Bytes;
  /** Seconds since the epoch, when the service accepted it. */
  received: number;
}

/** A device's address: `user/device`. */
export type DeviceAddress = string;

export interface MailboxStore {
  /**
   * Stores one copy per device, all or none. A send whose (sender, messageId) the service already holds
   * for a device is not stored again for it. Returns the copies stored, by device.
   */
  put(
    sender: string,
    messageId: string,
    envelope: Bytes,
    devices: readonly DeviceAddress[],
    received: number,
    limits: MailboxLimits,
  ): Promise<Map<DeviceAddress, number>>;
  /** Up to `limit` waiting messages of `device`, oldest first, none older than `notBefore`. */
  fetch(device: DeviceAddress, limit: number, notBefore: number): Promise<StoredMessage[]>;
  /** Deletes the copies `ids` of `device` (ids of other devices are ignored); how many were deleted. */
  ack(device: DeviceAddress, ids: readonly number[]): Promise<number>;
  /** Drops every copy received before `before`; how many. */
  expire(before: number): Promise<number>;
}

const MESSAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Checks a send against the limits before any store sees it. */
export function checkSend(
  messageId: string,
  envelope: Bytes,
  devices: readonly DeviceAddress[],
  limits: MailboxLimits,
): void {
  if (!MESSAGE_ID.test(messageId)) throw new MalformedError('message id: 8 to 64 base64url characters');
  if (envelope.length === 0) throw new MalformedError('the envelope is empty');
  if (envelope.length > limits.maxEnvelopeBytes)
    throw new LimitExceededError(`the envelope is over ${limits.maxEnvelopeBytes} bytes`);
  if (devices.length === 0) throw new MalformedError('a send names at least one device');
  if (devices.length > limits.maxRecipients)
    throw new LimitExceededError(`a send names at most ${limits.maxRecipients} devices`);
  if (new Set(devices).size !== devices.length) throw new MalformedError('a device is named twice');
}

/** The reference store, in memory. */
export class MemoryMailboxStore implements MailboxStore {
  #next = 1;
  readonly #boxes = new Map<DeviceAddress, Map<number, StoredMessage>>();
  readonly #bytes = new Map<DeviceAddress, number>();

  async put(
    sender: string,
    messageId: string,
    envelope: Bytes,
    devices: readonly DeviceAddress[],
    received: number,
    limits: MailboxLimits,
  ): Promise<Map<DeviceAddress, number>> {
    const fresh = devices.filter(
      (device) =>
        ![...(this.#boxes.get(device)?.values() ?? [])].some(
          (m) => m.sender === sender && m.messageId === messageId,
        ),
    );
    // All or none: check every device's quota before storing anything.
    for (const device of fresh) {
      const box = this.#boxes.get(device);
      if (
        (box?.size ?? 0) + 1 > limits.maxMessagesPerDevice ||
        (this.#bytes.get(device) ?? 0) + envelope.length > limits.maxBytesPerDevice
      )
        throw new LimitExceededError(`the mailbox of ${device} is full`);
    }
    const stored = new Map<DeviceAddress, number>();
    for (const device of fresh) {
      const id = this.#next++;
      const box = this.#boxes.get(device) ?? new Map<number, StoredMessage>();
      this.#boxes.set(device, box);
      box.set(id, { id, messageId, sender, envelope, received });
      this.#bytes.set(device, (this.#bytes.get(device) ?? 0) + envelope.length);
      stored.set(device, id);
    }
    return stored;
  }

  async fetch(device: DeviceAddress, limit: number, notBefore: number): Promise<StoredMessage[]> {
    return [...(this.#boxes.get(device)?.values() ?? [])]
      .filter((m) => m.received >= notBefore)
      .slice(0, limit);
  }

  async ack(device: DeviceAddress, ids: readonly number[]): Promise<number> {
    const box = this.#boxes.get(device);
    let deleted = 0;
    for (const id of ids) {
      const message = box?.get(id);
      if (message === undefined) continue;
      box!.delete(id);
      this.#bytes.set(device, this.#bytes.get(device)! - message.envelope.length);
      deleted++;
    }
    return deleted;
  }

  async expire(before: number): Promise<number> {
    let dropped = 0;
    for (const [device, box] of this.#boxes)
      for (const [id, message] of box)
        if (message.received < before) {
          box.delete(id);
          this.#bytes.set(device, this.#bytes.get(device)! - message.envelope.length);
          dropped++;
        }
    return dropped;
  }
}
