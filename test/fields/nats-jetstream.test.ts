/**
 * Field encryption over a real NATS JetStream (Debian nats-server, started here): a producer encrypts on
 * publish; two consumers with different keyrings read the same stream (the banking service everything,
 * the web UI only clear fields, through partial decryption); a consumer restart and a server restart
 * resume without loss; the broker stores only ciphertext for the encrypted parts; tampered and replayed
 * messages are refused while the consumer keeps serving.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toBinary } from '@bufbuild/protobuf';
import { AckPolicy, connect, type JsMsg, type NatsConnection, StorageType } from 'nats';
import { FieldEncryption, FieldsJetStream, Keyring } from 'sealwire/fields';
import { type Transaction, TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, flipBit, keysets, sampleTransaction } from './helpers.ts';
import { type NatsServer, startNatsServer } from './nats-server.ts';

const STREAM = 'PAYMENTS';
const keys = keysets(ADDRESS_KEY, BANKING_KEY);
const producerFields = new FieldEncryption(new Keyring(keys));
const bankingFields = new FieldEncryption(new Keyring(keys));
const webUiFields = new FieldEncryption(new Keyring());

let storeDir: string;
let server: NatsServer;
const connections: NatsConnection[] = [];

async function open(): Promise<NatsConnection> {
  const nc = await connect({
    servers: server.url,
    timeout: 5_000,
    maxReconnectAttempts: 20,
    reconnectTimeWait: 200,
  });
  connections.push(nc);
  return nc;
}

before(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'sealwire-nats-'));
  server = await startNatsServer(storeDir);
  const nc = await open();
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: STREAM, subjects: ['payments.>'], storage: StorageType.File });
  for (const durable of ['banking', 'webui']) {
    await jsm.consumers.add(STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30_000_000_000,
    });
  }
});

after(async () => {
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await server?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

function transaction(n: number): Transaction {
  const tx = sampleTransaction();
  tx.id = `tx-${n}`;
  tx.sender!.cashTag = `$sender${n}`;
  tx.sender!.mailingAddress!.street = `${n} Secret Lane`;
  tx.receiver!.linkedBankAccount!.accountNumber = `ACCT-${1_000_000 + n}`;
  tx.amount!.units = BigInt(n);
  return tx;
}

async function publish(nc: NatsConnection, from: number, to: number): Promise<void> {
  const producer = new FieldsJetStream(nc.jetstream(), producerFields, TransactionSchema);
  for (let n = from; n < to; n++) {
    const ack = await producer.publish(`payments.tx.${n % 3}`, transaction(n), { msgID: `tx-${n}` });
    assert.equal(ack.duplicate, false);
  }
}

interface Received {
  id: string;
  street: string;
  account: string;
  cashTag: string;
  units: bigint;
  missing: string[];
}

/** Reads up to `max` messages from a durable consumer through a fresh FieldsJetStream, acking each. */
async function readBatch(
  nc: NatsConnection,
  durable: string,
  fields: FieldEncryption,
  max: number,
  errors: string[] = [],
): Promise<Received[]> {
  const consumer = await nc.jetstream().consumers.get(STREAM, durable);
  const batch = await consumer.fetch({ max_messages: max, expires: 3_000 });
  const received: Received[] = [];
  await new FieldsJetStream(nc.jetstream(), fields, TransactionSchema).consume(
    batch,
    ({ message, missing }) => {
      received.push({
        id: message.id,
        street: message.sender!.mailingAddress!.street,
        account: message.receiver!.linkedBankAccount!.accountNumber,
        cashTag: message.sender!.cashTag,
        units: message.amount!.units,
        missing,
      });
    },
    (error, msg: JsMsg) => {
      errors.push(`${msg.subject}: ${error.code}`);
      msg.term();
    },
  );
  return received;
}

test('producer, two consumers with different keyrings, consumer and server restarts, through nats-server', async () => {
  const producerConnection = await open();
  await publish(producerConnection, 0, 12);

  // The broker's view: clear routing data and cash tags, no address or account in the stored bytes.
  const jsm = await producerConnection.jetstreamManager();
  const stored = await jsm.streams.getMessage(STREAM, { seq: 1 });
  const raw = Buffer.from(stored.data);
  assert.equal(raw.includes('Secret Lane'), false);
  assert.equal(raw.includes('ACCT-'), false);
  assert.equal(raw.includes('$sender0'), true);
  assert.equal(stored.header.get('Nats-Msg-Id'), 'tx-0');

  // The banking service reads half, then its process "restarts" (connection dropped after acking).
  let banking = await open();
  const firstHalf = await readBatch(banking, 'banking', bankingFields, 6);
  assert.deepEqual(
    firstHalf.map((r) => r.id),
    ['tx-0', 'tx-1', 'tx-2', 'tx-3', 'tx-4', 'tx-5'],
  );
  await banking.drain();
  await publish(producerConnection, 12, 16);
  banking = await open();
  const secondHalf = await readBatch(banking, 'banking', bankingFields, 10);
  const bankingAll = [...firstHalf, ...secondHalf];
  assert.deepEqual(
    bankingAll.map((r) => r.id),
    Array.from({ length: 16 }, (_, n) => `tx-${n}`),
    'every message exactly once, in order',
  );
  for (const [n, r] of bankingAll.entries()) {
    assert.deepEqual(r.missing, []);
    assert.equal(r.street, `${n} Secret Lane`);
    assert.equal(r.account, `ACCT-${1_000_000 + n}`);
  }

  // The web UI, holding no key, reads cash tags and amounts, and is told what it cannot see.
  const webui = await open();
  const web = await readBatch(webui, 'webui', webUiFields, 16);
  assert.equal(web.length, 16);
  for (const [n, r] of web.entries()) {
    assert.equal(r.cashTag, `$sender${n}`);
    assert.equal(r.units, BigInt(n));
    assert.equal(r.street, '');
    assert.equal(r.account, '');
    assert.deepEqual(r.missing, [BANKING_KEY, ADDRESS_KEY]);
  }

  // The server restarts on the same store; both consumers resume where they were.
  const port = server.port;
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await server.stop();
  server = await startNatsServer(storeDir, port);
  const afterRestart = await open();
  await publish(afterRestart, 16, 20);
  assert.deepEqual(
    (await readBatch(afterRestart, 'banking', bankingFields, 4)).map((r) => [r.id, r.missing.length]),
    [
      ['tx-16', 0],
      ['tx-17', 0],
      ['tx-18', 0],
      ['tx-19', 0],
    ],
  );
  assert.deepEqual(
    (await readBatch(afterRestart, 'webui', webUiFields, 4)).map((r) => r.id),
    ['tx-16', 'tx-17', 'tx-18', 'tx-19'],
  );
});

test('tampered and replayed messages are refused (term), and the consumer keeps serving', async () => {
  const nc = await open();
  const js = nc.jetstream();
  const producer = new FieldsJetStream(js, producerFields, TransactionSchema);
  // A genuine message, then a copy of its bytes replayed onto another subject.
  await producer.publish('payments.tx.0', transaction(100), { msgID: 'tx-100' });
  const jsm = await nc.jetstreamManager();
  const genuine = (await jsm.streams.getMessage(STREAM, { last_by_subj: 'payments.tx.0' })).data;
  await js.publish('payments.tx.1', genuine, { msgID: 'tx-100-replayed' });
  // A message sealed for its own subject and id, with one ciphertext bit flipped on the way.
  const context = new TextEncoder().encode('nats:payments.tx.2\ntx-102');
  const sealed = await producerFields.encrypt(TransactionSchema, transaction(102), { context });
  const ciphertext = sealed.sender!.linkedBankAccount!.ciphertext;
  sealed.sender!.linkedBankAccount!.ciphertext = flipBit(ciphertext, ciphertext.length - 3);
  await js.publish('payments.tx.2', toBinary(TransactionSchema, sealed), { msgID: 'tx-102' });
  await js.publish('payments.tx.2', new Uint8Array([0xff, 0xff, 0xff]), { msgID: 'garbage' });
  await producer.publish('payments.tx.0', transaction(101), { msgID: 'tx-101' });

  const errors: string[] = [];
  const received = await readBatch(nc, 'banking', bankingFields, 5, errors);
  assert.deepEqual(
    received.map((r) => r.id),
    ['tx-100', 'tx-101'],
  );
  assert.deepEqual(errors, [
    'payments.tx.1: ERR_DECRYPTION_FAILED',
    'payments.tx.2: ERR_DECRYPTION_FAILED',
    'payments.tx.2: ERR_MALFORMED',
  ]);
  // The web UI holds no key: it cannot tell the replay or the tampered part from genuine ones (clear
  // fields are not authenticated by field encryption, see docs/fields.md), only reject garbage.
  const webErrors: string[] = [];
  const web = await readBatch(nc, 'webui', webUiFields, 5, webErrors);
  assert.deepEqual(
    web.map((r) => r.id),
    ['tx-100', 'tx-100', 'tx-102', 'tx-101'],
  );
  assert.deepEqual(webErrors, ['payments.tx.2: ERR_MALFORMED']);
});
