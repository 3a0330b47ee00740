/**
 * The untrusted proxy of the demo: forwards POST /query to the data source and back, printing what it sees
 * (one JSON line per message on stdout) and recording every byte it handles to --record FILE.
 *
 *   node --import tsx examples/pixie/proxy.ts --upstream PORT --record FILE [--swap-key]
 *
 * --swap-key plays an active attacker: it replaces the client's public key with its own, opens whatever
 * comes back (reporting whether it could read it), and re-seals it for the client's real key.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { generateKeyPair, type PublicJwk } from '../../src/keys/index.ts';
import { open, seal } from '../../src/seal/index.ts';
import type { QueryRequest, QueryResponse } from './protocol.ts';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, record: { type: 'string' }, 'swap-key': { type: 'boolean' } },
});
const upstream = Number(values.upstream);
const record = values.record ?? '/dev/null';
writeFileSync(record, '');
const attacker = values['swap-key'] ? await generateKeyPair('X25519') : undefined;

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const keep = (direction: string, bytes: Buffer) =>
  appendFileSync(record, Buffer.concat([Buffer.from(`\n--- ${direction} ---\n`), bytes]));

function forward(body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: upstream, method: 'POST', path: '/query', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    let body = Buffer.concat(chunks);
    keep(
      'request from client',
      Buffer.concat([Buffer.from(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n`), body]),
    );
    let clientKey: PublicJwk | undefined;
    try {
      const parsed = JSON.parse(body.toString()) as QueryRequest;
      say({
        saw: 'request',
        queryId: parsed.queryId,
        table: parsed.table,
        clientKey: parsed.clientKey,
        signed: typeof parsed.proof === 'string',
      });
      if (attacker !== undefined) {
        clientKey = parsed.clientKey;
        parsed.clientKey = attacker.publicJwk;
        body = Buffer.from(JSON.stringify(parsed));
        say({ attack: 'swapped the client key for the proxy key' });
      }
    } catch {
      say({ saw: 'unparseable request' });
    }
    try {
      const upstreamReply = await forward(body, { 'content-type': 'application/json' });
      keep('response from data source', upstreamReply.body);
      let out = upstreamReply.body;
      const parsed = JSON.parse(out.toString()) as QueryResponse;
      say({
        saw: 'response',
        status: upstreamReply.status,
        queryId: parsed.queryId,
        rowCount: parsed.rowCount,
        error: parsed.error,
        encryptedBatch: parsed.encryptedBatch,
      });
      if (attacker !== undefined && clientKey !== undefined && parsed.encryptedBatch !== undefined) {
        // The swapped key lets the proxy read this one response; the client will detect the swap.
        const stolen = await open(parsed.encryptedBatch, attacker.privateJwk);
        say({ attack: 'proxy opened the response meant for the client', bytes: stolen.plaintext.length });
        parsed.encryptedBatch = await seal(stolen.plaintext, clientKey, { contentType: 'JOSE' });
        out = Buffer.from(JSON.stringify(parsed));
      }
      res.writeHead(upstreamReply.status, { 'content-type': 'application/json' });
      res.end(out);
    } catch (error) {
      say({ error: (error as Error).message });
      res.writeHead(502).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  say({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
