/**
 * Failed WAMP logins are logged by the relay process with what an operator needs to act (realm, authid,
 * method, reason, the client's address and port) and never with what was presented (ticket, signature).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { type RelayProcess, startRelay } from '../helpers/processes.ts';
import { waitFor } from '../wamp/helpers.ts';

const TICKET = 'correct-horse-battery-staple';
const WRONG = 'wrong-ticket-s3cret';
let relay: RelayProcess;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-authlog-'));
  const config = join(dir, 'relay.yaml');
  await writeFile(
    config,
    `wamp:
  realms:
    - name: app
      ticket:
        alice: { ticketEnv: ALICE_TICKET, role: user }
      roles:
        - name: user
          permissions: [{ uri: com.app., match: prefix, allow: [publish, subscribe] }]
`,
  );
  relay = await startRelay({ config, env: { ALICE_TICKET: TICKET } });
});

after(() => relay?.stop());

/** Opens a WebSocket to the relay and reports the local port it connected from. */
async function session(): Promise<{ ws: WebSocket; localPort: number; next(): Promise<unknown[]> }> {
  const ws = new WebSocket(`${relay.url}/ws`, ['wamp.2.json']);
  const queue: unknown[][] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    queue.push(JSON.parse(String(data)));
    wake?.();
  });
  // 'upgrade' and 'open' fire in the same tick: listen for both before waiting.
  let localPort = 0;
  ws.once('upgrade', (response) => {
    localPort = response.socket.localPort ?? 0;
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    localPort,
    async next() {
      const deadline = Date.now() + 3000;
      while (queue.length === 0) {
        if (Date.now() > deadline) throw new Error('no message from the relay');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return queue.shift()!;
    },
  };
}

function logLines(): Array<Record<string, unknown>> {
  return relay
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a wrong ticket is logged with authid, realm, method and remote address; the ticket is not', async () => {
  const peer = await session();
  peer.ws.send(
    JSON.stringify([1, 'app', { roles: { subscriber: {} }, authmethods: ['ticket'], authid: 'alice' }]),
  );
  assert.equal((await peer.next())[0], 4, 'CHALLENGE');
  peer.ws.send(JSON.stringify([5, WRONG, {}]));
  const abort = await peer.next();
  assert.equal(abort[0], 3);
  assert.equal(abort[2], 'wamp.error.authentication_failed');
  peer.ws.terminate();
  await waitFor(() => logLines().some((line) => line.msg === 'wamp authentication failed'), 3000, 'log line');
  const line = logLines().find((entry) => entry.msg === 'wamp authentication failed')!;
  assert.equal(line.level, 40, 'warn');
  assert.equal(line.authid, 'alice');
  assert.equal(line.realm, 'app');
  assert.equal(line.authmethod, 'ticket');
  assert.equal(line.reason, 'wamp.error.authentication_failed');
  assert.equal(line.remoteAddress, '127.0.0.1');
  assert.equal(line.remotePort, peer.localPort);
  assert.ok(!relay.output().includes(WRONG), 'the presented ticket is never logged');
  assert.ok(!relay.output().includes(TICKET), 'the configured ticket is never logged');
});

test('a HELLO with no allowed method is logged with its authid and remote address', async () => {
  const peer = await session();
  peer.ws.send(
    JSON.stringify([1, 'app', { roles: { subscriber: {} }, authmethods: ['anonymous'], authid: 'mallory' }]),
  );
  const abort = await peer.next();
  assert.equal(abort[2], 'wamp.error.no_auth_method');
  peer.ws.terminate();
  await waitFor(() => logLines().some((line) => line.authid === 'mallory'), 3000, 'log line');
  const line = logLines().find((entry) => entry.authid === 'mallory')!;
  assert.equal(line.msg, 'wamp authentication failed');
  assert.equal(line.reason, 'wamp.error.no_auth_method');
  assert.equal(line.authmethod, 'anonymous');
  assert.equal(line.remoteAddress, '127.0.0.1');
  assert.equal(line.remotePort, peer.localPort);
});

test('the right ticket is not an authentication failure', async () => {
  const before = logLines().filter((line) => line.msg === 'wamp authentication failed').length;
  const peer = await session();
  peer.ws.send(
    JSON.stringify([1, 'app', { roles: { subscriber: {} }, authmethods: ['ticket'], authid: 'alice' }]),
  );
  assert.equal((await peer.next())[0], 4);
  peer.ws.send(JSON.stringify([5, TICKET, {}]));
  assert.equal((await peer.next())[0], 2, 'WELCOME');
  peer.ws.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(logLines().filter((line) => line.msg === 'wamp authentication failed').length, before);
  assert.ok(!relay.output().includes(TICKET));
});
