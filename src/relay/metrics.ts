/** Prometheus metrics of the relay (prom-client), fed by the router's observer hooks. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { MESSAGE_NAMES } from '../wamp/protocol/codes.ts';
import type { RouterObserver } from '../wamp/router/index.ts';

export interface RelayMetrics {
  registry: Registry;
  observer: RouterObserver;
}

export function createMetrics(): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sealwire_relay_' });
  const sessions = new Gauge({
    name: 'sealwire_wamp_sessions',
    help: 'Joined WAMP sessions',
    labelNames: ['realm'],
    registers: [registry],
  });
  // The hot path (every frame in and out, every routed payload) only adds to plain numbers: prom-client's
  // labelled inc() hashes and validates its labels on every call, which cost more than routing a message.
  // The counters take these totals when scraped (reset, then set to the total: exact, never decreasing).
  const receivedByType = new Map<number, number>();
  const sentByType = new Map<number, number>();
  const totals = { bytesIn: 0, bytesOut: 0, encrypted: 0, clear: 0 };
  const byTypeCollector = (counts: Map<number, number>) =>
    function (this: Counter<'type'>) {
      this.reset();
      for (const [type, count] of counts) this.labels(MESSAGE_NAMES[type] ?? String(type)).inc(count);
    };
  new Counter({
    name: 'sealwire_wamp_messages_received_total',
    help: 'WAMP messages received, by type',
    labelNames: ['type'],
    registers: [registry],
    collect: byTypeCollector(receivedByType),
  });
  new Counter({
    name: 'sealwire_wamp_messages_sent_total',
    help: 'WAMP messages sent, by type',
    labelNames: ['type'],
    registers: [registry],
    collect: byTypeCollector(sentByType),
  });
  new Counter({
    name: 'sealwire_wamp_bytes_received_total',
    help: 'Bytes of WAMP messages received',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(totals.bytesIn);
    },
  });
  new Counter({
    name: 'sealwire_wamp_bytes_sent_total',
    help: 'Bytes of WAMP messages sent',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(totals.bytesOut);
    },
  });
  const errors = new Counter({
    name: 'sealwire_wamp_errors_total',
    help: 'Session-level errors (protocol violations, auth failures, slow consumers, limits)',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Counter({
    name: 'sealwire_wamp_payloads_total',
    help: 'Routed application payloads (PUBLISH, CALL, YIELD, ERROR), end-to-end encrypted or in the clear',
    labelNames: ['encrypted'],
    registers: [registry],
    collect() {
      this.reset();
      if (totals.encrypted > 0) this.labels('true').inc(totals.encrypted);
      if (totals.clear > 0) this.labels('false').inc(totals.clear);
    },
  });
  return {
    registry,
    observer: {
      sessionOpened: (realm) => sessions.labels(realm).inc(),
      sessionClosed: (realm) => sessions.labels(realm).dec(),
      received: (_frame, message, bytes) => {
        const type = message[0] as number;
        receivedByType.set(type, (receivedByType.get(type) ?? 0) + 1);
        totals.bytesIn += bytes;
      },
      sent: (type, bytes) => {
        sentByType.set(type, (sentByType.get(type) ?? 0) + 1);
        totals.bytesOut += bytes;
      },
      payload: (isEncrypted) => {
        if (isEncrypted) totals.encrypted++;
        else totals.clear++;
      },
      error: (kind) => errors.labels(kind).inc(),
    },
  };
}
