/** The router's view of one connection: whatever carries frames (a WebSocket, a test pipe). */
import type { Frame } from '../protocol/serializer.ts';

export interface RouterTransport {
  send(frame: Frame): void;
  /** Bytes queued and not yet written to the peer. */
  bufferedAmount(): number;
  /** Closes the connection (WebSocket close code and reason). Safe to call more than once. */
  close(code: number, reason: string): void;
  /** The peer's address and port, when the transport has one (for logs, e.g. failed logins). */
  readonly remote?: { address: string; port: number };
}
