/**
 * The wire protocol of the Pixie-pattern demo, shared by the client and the data source.
 *
 * Request (JSON, through the proxy):
 *   { queryId, table, clientKey: <ephemeral public JWK>, proof?: <compact JWS by the client's identity key> }
 *   `proof` signs { queryId, table, clientKid, iat }: with it, a data source that knows the client's identity
 *   key refuses a request whose key was swapped on the way.
 * Response (JSON):
 *   { queryId, status, rowCount, encryptedBatch: <compact JWE> }
 *   queryId, status and rowCount stay clear for routing and monitoring. `encryptedBatch` is sealed for the
 *   client's ephemeral key and signed by the data source; the signed payload is
 *   { binding: { queryId, recipientKid, requestDigest }, rows }, so the client can check that the answer was
 *   made for *its* key and *its* request, as the data source received it.
 */
import { createHash } from 'node:crypto';
import { type PublicJwk, thumbprint } from '../../src/keys/index.ts';

export interface QueryRequest {
  queryId: string;
  table: string;
  clientKey: PublicJwk;
  proof?: string;
}

export interface QueryResponse {
  queryId: string;
  status: 'ok' | 'error';
  rowCount?: number;
  encryptedBatch?: string;
  error?: string;
}

export interface SignedBatch {
  binding: { queryId: string; recipientKid: string; requestDigest: string };
  rows: Record<string, string | number>[];
}

export interface RequestProof {
  queryId: string;
  table: string;
  clientKid: string;
  iat: number;
}

/** SHA-256 over the request's routing fields and key thumbprint, in a fixed order: what both ends must agree on. */
export async function requestDigest(
  request: Pick<QueryRequest, 'queryId' | 'table' | 'clientKey'>,
): Promise<string> {
  const canonical = JSON.stringify([request.queryId, request.table, await thumbprint(request.clientKey)]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Requests older than this are refused (replay window). */
export const MAX_REQUEST_AGE_S = 60;
