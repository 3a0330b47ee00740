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
  const received = new Counter({
    name: 'sealwire_wamp_messages_received_total',
    help: 'WAMP messages received, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const sent = new Counter({
    name: 'sealwire_wamp_messages_sent_total',
    help: 'WAMP messages sent, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const bytesIn = new Counter({
    name: 'sealwire_wamp_bytes_received_total',
    help: 'Bytes of WAMP messages received',
    registers: [registry],
  });
  const bytesOut = new Counter({
    name: 'sealwire_wamp_bytes_sent_total',
    help: 'Bytes of WAMP messages sent',
    registers: [registry],
  });
  const errors = new Counter({
    name: 'sealwire_wamp_errors_total',
    help: 'Session-level errors (protocol violations, auth failures, slow consumers, limits)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const payloads = new Counter({
    name: 'sealwire_wamp_payloads_total',
    help: 'Routed application payloads (PUBLISH, CALL, YIELD, ERROR), end-to-end encrypted or in the clear',
    labelNames: ['encrypted'],
    registers: [registry],
  });
  // Label children resolved once: the hot path only increments.
  const receivedByType = new Map<number, ReturnType<typeof received.labels>>();
  const sentByType = new Map<number, ReturnType<typeof sent.labels>>();
  const byType = (
    counter: Counter<'type'>,
    cache: Map<number, ReturnType<Counter<'type'>['labels']>>,
    type: number,
  ) => {
    let child = cache.get(type);
    if (child === undefined) {
      child = counter.labels(MESSAGE_NAMES[type] ?? String(type));
      cache.set(type, child);
    }
    return child;
  };
  const encrypted = payloads.labels('true');
  const clear = payloads.labels('false');
  return {
    registry,
    observer: {
      sessionOpened: (realm) => sessions.labels(realm).inc(),
      sessionClosed: (realm) => sessions.labels(realm).dec(),
      received: (_frame, message, bytes) => {
        byType(received, receivedByType, message[0] as number).inc();
        bytesIn.inc(bytes);
      },
      sent: (type, bytes) => {
        byType(sent, sentByType, type).inc();
        bytesOut.inc(bytes);
      },
      payload: (isEncrypted) => (isEncrypted ? encrypted : clear).inc(),
      error: (kind) => errors.labels(kind).inc(),
    },
  };
}
