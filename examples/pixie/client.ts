/**
 * The client of the demo: makes an ephemeral X25519 key pair (memory only), sends a query with its public
 * JWK through the proxy, and opens the sealed batch, checking the data source's signature and the binding.
 *
 *   node --import tsx examples/pixie/client.ts --proxy PORT --server-key ds.pub.jwk [--identity me.jwk]
 *
 * Prints one JSON line: { ok: true, rows, ... } or { ok: false, error, code }.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BindingMismatchError, SealwireError } from '../../src/errors.ts';
import { EphemeralKeyPair, importJwk, type PrivateJwk, type PublicJwk } from '../../src/keys/index.ts';
import { open, sign } from '../../src/seal/index.ts';
import {
  type QueryRequest,
  type QueryResponse,
  type RequestProof,
  requestDigest,
  type SignedBatch,
} from './protocol.ts';

const { values } = parseArgs({
  options: {
    proxy: { type: 'string' },
    'server-key': { type: 'string' },
    identity: { type: 'string' },
    table: { type: 'string', default: 'http_events' },
  },
});
const serverKey = (await importJwk(JSON.parse(readFileSync(values['server-key']!, 'utf8')))) as PublicJwk;
const identity =
  values.identity === undefined
    ? undefined
    : ((await importJwk(JSON.parse(readFileSync(values.identity, 'utf8')))) as PrivateJwk);

const session = await EphemeralKeyPair.create();
const request: QueryRequest = {
  queryId: `q-${Date.now().toString(36)}`,
  table: values.table!,
  clientKey: session.publicJwk,
};
if (identity !== undefined) {
  const proof: RequestProof = {
    queryId: request.queryId,
    table: request.table,
    clientKid: session.kid,
    iat: Math.floor(Date.now() / 1000),
  };
  request.proof = await sign(JSON.stringify(proof), identity);
}

async function run(): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${values.proxy}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as QueryResponse;
  if (body.status !== 'ok' || body.encryptedBatch === undefined) {
    return { ok: false, code: `HTTP_${response.status}`, error: body.error ?? 'no data' };
  }
  // Only the data source's signature is accepted, and only for a batch bound to this key and this request.
  const opened = await open(body.encryptedBatch, session, { from: serverKey });
  const batch = JSON.parse(new TextDecoder().decode(opened.plaintext)) as SignedBatch;
  if (batch.binding.recipientKid !== session.kid) {
    throw new BindingMismatchError(
      'the data source sealed this answer for another key: the proxy swapped our public key',
    );
  }
  if (
    batch.binding.queryId !== request.queryId ||
    batch.binding.requestDigest !== (await requestDigest(request))
  ) {
    throw new BindingMismatchError(
      'the answer is for another request, or the request was altered in transit',
    );
  }
  return { ok: true, queryId: body.queryId, signer: opened.signer?.kid, rows: batch.rows };
}

try {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
} catch (error) {
  const code = error instanceof SealwireError ? error.code : 'ERROR';
  process.stdout.write(`${JSON.stringify({ ok: false, code, error: (error as Error).message })}\n`);
  process.exitCode = 1;
}
