/**
 * The data source of the demo: answers queries with routing fields in clear and the rows sealed for the
 * requester's ephemeral key, signed with its own Ed25519 key.
 *
 *   node --import tsx examples/pixie/data-source.ts --key ds.jwk [--clients clients.json] [--canary TEXT]
 *
 * With --clients (a JSON array of client identity public JWKs), every request must carry a proof signed by
 * one of them, binding the ephemeral key: a proxy that swaps the key is refused here, before any data leaves.
 * Prints `{"ready":true,"port":N}` once listening on 127.0.0.1 (port chosen by the OS).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { importJwk, type PrivateJwk, type PublicJwk, thumbprint } from '../../src/keys/index.ts';
import { seal, verify } from '../../src/seal/index.ts';
import {
  MAX_REQUEST_AGE_S,
  type QueryRequest,
  type QueryResponse,
  type RequestProof,
  requestDigest,
  type SignedBatch,
} from './protocol.ts';

const { values } = parseArgs({
  options: { key: { type: 'string' }, clients: { type: 'string' }, canary: { type: 'string' } },
});
if (values.key === undefined) throw new Error('--key is required');
const signingKey = (await importJwk(JSON.parse(readFileSync(values.key, 'utf8')))) as PrivateJwk;
const clients =
  values.clients === undefined
    ? undefined
    : (JSON.parse(readFileSync(values.clients, 'utf8')) as PublicJwk[]);
const canary = values.canary ?? 'patient-4411 diagnosis: confidential';
const MAX_BODY = 64 * 1024;

function table(name: string): SignedBatch['rows'] {
  if (name !== 'http_events') return [];
  return [
    { time: '2026-11-25T06:00:01Z', service: 'checkout', status: 200, note: 'ok' },
    { time: '2026-11-25T06:00:02Z', service: 'billing', status: 500, note: canary },
    { time: '2026-11-25T06:00:03Z', service: 'search', status: 200, note: 'ok' },
  ];
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function checkProof(request: QueryRequest): Promise<void> {
  if (clients === undefined) return;
  if (typeof request.proof !== 'string')
    throw new Error('this data source requires a signed request (proof)');
  const { payload } = await verify(request.proof, clients);
  const proof = JSON.parse(new TextDecoder().decode(payload)) as RequestProof;
  // The signature covers the ephemeral key's thumbprint: a swapped key no longer matches it.
  if (proof.clientKid !== (await thumbprint(request.clientKey)))
    throw new Error('the request key is not the one the client signed (swapped in transit?)');
  if (proof.queryId !== request.queryId || proof.table !== request.table)
    throw new Error('the request was altered in transit');
  if (Math.abs(Date.now() / 1000 - proof.iat) > MAX_REQUEST_AGE_S)
    throw new Error('the request proof is too old');
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: QueryResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  let request: QueryRequest;
  try {
    request = JSON.parse(await readBody(req)) as QueryRequest;
    if (typeof request.queryId !== 'string' || typeof request.table !== 'string')
      throw new Error('bad request');
    request.clientKey = (await importJwk(request.clientKey)) as PublicJwk;
  } catch (error) {
    reply(400, { queryId: '', status: 'error', error: (error as Error).message });
    return;
  }
  try {
    await checkProof(request);
  } catch (error) {
    reply(403, { queryId: request.queryId, status: 'error', error: (error as Error).message });
    return;
  }
  const rows = table(request.table);
  const batch: SignedBatch = {
    binding: {
      queryId: request.queryId,
      recipientKid: await thumbprint(request.clientKey),
      requestDigest: await requestDigest(request),
    },
    rows,
  };
  const encryptedBatch = await seal(JSON.stringify(batch), request.clientKey, {
    sign: signingKey,
    protectedHeader: { qid: request.queryId },
  });
  reply(200, { queryId: request.queryId, status: 'ok', rowCount: rows.length, encryptedBatch });
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/query') {
    res.writeHead(404).end();
    return;
  }
  answer(req, res).catch((error) => {
    res.writeHead(500).end(String((error as Error).message));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ ready: true, port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
