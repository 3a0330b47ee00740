/**
 * Reading the three JWE serializations (RFC 7516 §7) into one shape, with every size cap applied before
 * any base64 or JSON work proportional to the input.
 */
import { decodeBase64url } from '../../encoding/base64url.ts';
import { fromUtf8 } from '../../encoding/bytes.ts';
import { isJsonObject, type JsonObject, parseJsonObject } from '../../encoding/json.ts';
import { LimitExceededError, MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import type { FlattenedJwe, GeneralJwe, JweHeader } from './types.ts';

export interface ParsedRecipient {
  header: JweHeader | undefined;
  encryptedKey: Bytes;
}

export interface ParsedJwe {
  /** The protected header exactly as transmitted (it is the AAD). */
  protectedB64: string;
  protectedHeader: JweHeader;
  unprotected: JweHeader | undefined;
  recipients: ParsedRecipient[];
  aadB64: string | undefined;
  iv: Bytes;
  ciphertextB64: string;
  tag: Bytes;
  serialization: 'compact' | 'json';
}

export interface ParseLimits {
  maxRecipients: number;
  maxHeaderBytes: number;
  maxPlaintextBytes: number;
}

function checkCiphertextSize(ciphertextB64: unknown, limits: ParseLimits): string {
  if (typeof ciphertextB64 !== 'string') throw new MalformedError('JWE "ciphertext" must be a string');
  // GCM and CBC ciphertexts are at most a block longer than the plaintext.
  if (ciphertextB64.length > Math.ceil(((limits.maxPlaintextBytes + 16) * 4) / 3)) {
    throw new LimitExceededError(
      `JWE ciphertext is over the ${limits.maxPlaintextBytes}-byte plaintext limit (raise maxPlaintextBytes)`,
    );
  }
  return ciphertextB64;
}

function decodeProtected(protectedB64: unknown, limits: ParseLimits): JweHeader {
  if (typeof protectedB64 !== 'string')
    throw new MalformedError('JWE "protected" must be a base64url string');
  if (protectedB64.length > Math.ceil((limits.maxHeaderBytes * 4) / 3)) {
    throw new LimitExceededError(`JWE protected header is over the ${limits.maxHeaderBytes}-byte limit`);
  }
  const bytes = decodeBase64url(protectedB64, 'JWE protected header');
  return parseJsonObject(fromUtf8(bytes), 'JWE protected header') as JweHeader;
}

function checkHeaderObject(value: unknown, what: string, limits: ParseLimits): JweHeader | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw new MalformedError(`${what} must be a JSON object`);
  if (JSON.stringify(value).length > limits.maxHeaderBytes) {
    throw new LimitExceededError(`${what} is over the ${limits.maxHeaderBytes}-byte limit`);
  }
  return value as JweHeader;
}

function optionalKey(value: unknown): Bytes {
  if (value === undefined || value === '') return new Uint8Array(0);
  return decodeBase64url(value, 'JWE encrypted key');
}

function parseCompact(text: string, limits: ParseLimits): ParsedJwe {
  const parts = text.split('.');
  if (parts.length !== 5) {
    throw new MalformedError(`a compact JWE has 5 dot-separated parts, this has ${parts.length}`);
  }
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  if (protectedB64 === '') throw new MalformedError('compact JWE without a protected header');
  return {
    protectedB64,
    protectedHeader: decodeProtected(protectedB64, limits),
    unprotected: undefined,
    recipients: [{ header: undefined, encryptedKey: optionalKey(encryptedKey) }],
    aadB64: undefined,
    iv: decodeBase64url(iv, 'JWE iv'),
    ciphertextB64: checkCiphertextSize(ciphertext, limits),
    tag: decodeBase64url(tag, 'JWE tag'),
    serialization: 'compact',
  };
}

function parseJson(jwe: JsonObject, limits: ParseLimits): ParsedJwe {
  const ciphertextB64 = checkCiphertextSize(jwe.ciphertext, limits);
  const protectedB64 = jwe.protected === undefined ? '' : (jwe.protected as string);
  const protectedHeader = jwe.protected === undefined ? {} : decodeProtected(jwe.protected, limits);
  let rawRecipients: unknown[];
  if (jwe.recipients !== undefined) {
    if (!Array.isArray(jwe.recipients) || jwe.recipients.length === 0) {
      throw new MalformedError('JWE "recipients" must be a non-empty array');
    }
    if ('header' in jwe || 'encrypted_key' in jwe) {
      throw new MalformedError('a JWE cannot mix "recipients" with flattened "header"/"encrypted_key"');
    }
    rawRecipients = jwe.recipients;
  } else {
    rawRecipients = [{ header: jwe.header, encrypted_key: jwe.encrypted_key }];
  }
  if (rawRecipients.length > limits.maxRecipients) {
    throw new LimitExceededError(
      `JWE has ${rawRecipients.length} recipients, over the limit of ${limits.maxRecipients}`,
    );
  }
  const recipients = rawRecipients.map((entry, index): ParsedRecipient => {
    if (!isJsonObject(entry)) throw new MalformedError(`JWE recipient ${index} must be a JSON object`);
    return {
      header: checkHeaderObject(entry.header, `JWE recipient ${index} header`, limits),
      encryptedKey: optionalKey(entry.encrypted_key),
    };
  });
  if (jwe.aad !== undefined && typeof jwe.aad !== 'string')
    throw new MalformedError('JWE "aad" must be a string');
  if (jwe.aad !== undefined) decodeBase64url(jwe.aad, 'JWE aad');
  return {
    protectedB64,
    protectedHeader,
    unprotected: checkHeaderObject(jwe.unprotected, 'JWE shared unprotected header', limits),
    recipients,
    aadB64: jwe.aad as string | undefined,
    iv: decodeBase64url(jwe.iv, 'JWE iv'),
    ciphertextB64,
    tag: decodeBase64url(jwe.tag, 'JWE tag'),
    serialization: 'json',
  };
}

/** Parses a JWE in any serialization: compact text, JSON text, bytes of either, or a parsed object. */
export function parseJwe(input: string | Bytes | GeneralJwe | FlattenedJwe, limits: ParseLimits): ParsedJwe {
  if (input instanceof Uint8Array) return parseJwe(fromUtf8(input), limits);
  if (typeof input === 'string') {
    const text = input.trim();
    if (text.startsWith('{')) {
      const maxJson =
        Math.ceil(((limits.maxPlaintextBytes + 16) * 4) / 3) +
        limits.maxHeaderBytes * (limits.maxRecipients + 2);
      return parseJson(parseJsonObject(text, 'JWE JSON', maxJson), limits);
    }
    return parseCompact(text, limits);
  }
  if (isJsonObject(input)) return parseJson(input, limits);
  throw new MalformedError('expected a JWE: compact string, JSON text or object');
}

/** The content-encryption AAD: ASCII(BASE64URL(protected)) [ '.' BASE64URL(aad) ] (RFC 7516 §5.1 step 14). */
export function contentAad(protectedB64: string, aadB64: string | undefined): string {
  return aadB64 === undefined ? protectedB64 : `${protectedB64}.${aadB64}`;
}
