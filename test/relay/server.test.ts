/**
 * The relay server: /healthz, Prometheus /metrics (sessions, messages, bytes, errors, encrypted vs clear
 * payloads), unknown paths, the open-realm warning, and graceful SIGTERM of the real CLI process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, createRelay, validateConfig } from 'sealwire/relay';
import { CryptoboxKeyring, connect, SessionClosedError } from 'sealwire/wamp';
import WebSocket from 'ws';
import { CLI_ARGS } from '../helpers/cli.ts';
import { deferred, waitFor, within } from '../wamp/helpers.ts';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

test('healthz, metrics and 404s; metrics count sessions and encrypted vs clear payloads', async () => {
  const log = capture();
  const relay = createRelay(validateConfig({ port: 0, logLevel: 'debug' }), {
    logger: createLogger('debug', log.stream),
  });
  await relay.start();
  try {
    const base = relay.address.url;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
    const keys = CryptoboxKeyring.generateKey();
    const ring = new CryptoboxKeyring(keys.privateKey);
    const a = await connect({
      url: relay.address.wampUrl,
      realm: 'realm1',
      payloadCodec: ring,
      reconnect: false,
    });
    const b = await connect({
      url: relay.address.wampUrl,
      realm: 'realm1',
      serializer: 'cbor',
      payloadCodec: ring,
      reconnect: false,
    });
    const got = deferred<void>();
    await b.subscribe('com.metrics.t', () => got.resolve());
    await a.publish('com.metrics.t', ['secret'], undefined, { acknowledge: true });
    await within(got.promise, 3000, 'event');
    await a.publish('com.metrics.clear', ['visible'], undefined, { acknowledge: true, encrypt: false });
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /sealwire_wamp_sessions\{realm="realm1"\} 2/);
    assert.match(text, /sealwire_wamp_payloads_total\{encrypted="true"\} 1/);
    assert.match(text, /sealwire_wamp_payloads_total\{encrypted="false"\} 1/);
    assert.match(text, /sealwire_wamp_messages_received_total\{type="PUBLISH"\} 2/);
    assert.match(text, /sealwire_wamp_messages_sent_total\{type="EVENT"\} 1/);
    assert.match(text, /sealwire_wamp_bytes_received_total \d+/);
    assert.match(text, /sealwire_relay_process_resident_memory_bytes/);
    // A malformed frame is counted as an error and logged, without secrets.
    const bad = new WebSocket(relay.address.wampUrl, ['wamp.2.json']);
    await new Promise((resolve) => bad.once('open', resolve));
    bad.send('not json');
    await new Promise((resolve) => bad.once('close', resolve));
    await waitFor(() => log.lines.some((line) => line.kind === 'malformed'));
    assert.match(
      await (await fetch(`${base}/metrics`)).text(),
      /sealwire_wamp_errors_total\{kind="malformed"\} 1/,
    );
    assert.ok(!JSON.stringify(log.lines).includes('secret'), 'no payload or secret in the logs');
    await a.close(500);
    await b.close(500);
  } finally {
    await relay.stop();
  }
  assert.ok(log.lines.some((line) => line.msg === 'relay stopped'));
});

test('binding beyond localhost with an open realm logs a warning', async () => {
  const log = capture();
  const relay = createRelay(validateConfig({ host: '0.0.0.0', port: 0 }), {
    logger: createLogger('info', log.stream),
  });
  await relay.start();
  await relay.stop();
  assert.ok(
    log.lines.some(
      (line) => line.level === 40 && String(line.msg).includes('anonymous sessions with full permissions'),
    ),
  );
  const quiet = capture();
  const local = createRelay(validateConfig({ port: 0 }), { logger: createLogger('info', quiet.stream) });
  await local.start();
  await local.stop();
  assert.ok(!quiet.lines.some((line) => line.level === 40));
});

test('other endpoints can share the server: addUpgradeRoute', async () => {
  const relay = createRelay(validateConfig({ port: 0 }), { logger: createLogger('silent') });
  let routed = false;
  relay.addUpgradeRoute('/other', (_request, socket) => {
    routed = true;
    socket.end('HTTP/1.1 418 I am a teapot\r\n\r\n');
  });
  assert.throws(() => relay.addUpgradeRoute('/ws', () => {}));
  await relay.start();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.address.port}/other`);
    await new Promise((resolve) => ws.once('error', resolve));
    assert.equal(routed, true);
  } finally {
    await relay.stop();
  }
});

test('SIGTERM on `sealwire relay`: sessions get GOODBYE (system_shutdown), the process exits 0', async () => {
  const child = spawn(process.execPath, [...CLI_ARGS, 'relay', '--port', '0'], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = deferred<string>();
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /"url":"(ws:\/\/[^"]+)"/.exec(output);
      if (match) url.resolve(match[1]!);
    });
    const wampUrl = await within(url.promise, 15_000, 'relay start');
    const left = deferred<string>();
    const client = await connect({
      url: wampUrl,
      realm: 'realm1',
      reconnect: false,
      onLeave: (reason) => left.resolve(reason),
    });
    await client.subscribe('com.shutdown', () => {});
    const pending = client.call('com.nobody.home').catch((error: unknown) => error);
    await pending;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await within(left.promise, 10_000, 'GOODBYE'), 'wamp.close.system_shutdown');
    assert.equal(await within(exited, 15_000, 'exit'), 0);
    assert.match(output, /relay stopped/);
    await assert.rejects(
      client.publish('com.shutdown', []),
      (error: unknown) => error instanceof SessionClosedError,
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
