/**
 * Type tests of `seal` and `open` from `sealwire/seal` (expect-type): which overload a call picks, and so
 * what its result is typed as. `npm run typecheck` checks them; the test runner runs the same calls for
 * real, so each asserted type is also what comes back (compact JWE: a string; General JSON: an object).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { generateKeyPair } from 'sealwire/keys';
import {
  type FlattenedJwe,
  type GeneralJwe,
  type OpenKey,
  type OpenOptions,
  type OpenResult,
  open,
  type SealOptions,
  type Signer,
  seal,
} from 'sealwire/seal';

test('seal: one recipient gives a compact JWE (string), `serialization: json` or a list gives General JSON', async () => {
  const alice = await generateKeyPair('X25519');
  const bob = await generateKeyPair('P-256');

  const compact = await seal('hello', alice.publicJwk);
  expectTypeOf(compact).toEqualTypeOf<string>();
  assert.equal(typeof compact, 'string');

  const explicitCompact = await seal(new Uint8Array([1, 2]), alice.publicJwk, { serialization: 'compact' });
  expectTypeOf(explicitCompact).toEqualTypeOf<string>();

  const oneAsJson = await seal('hello', alice.publicJwk, { serialization: 'json' });
  expectTypeOf(oneAsJson).toEqualTypeOf<GeneralJwe>();
  assert.equal(oneAsJson.recipients.length, 1);

  const several = await seal('hello', [alice.publicJwk, bob.publicJwk], { serialization: 'json' });
  expectTypeOf(several).toEqualTypeOf<GeneralJwe>();
  assert.equal(several.recipients.length, 2);

  // A list without `serialization`, or options whose serialization is not known statically: either form.
  const list = await seal('hello', [alice.publicJwk, bob.publicJwk]);
  expectTypeOf(list).toEqualTypeOf<string | GeneralJwe>();
  assert.equal(typeof list, 'object');
  const options: SealOptions = { anonymous: true };
  expectTypeOf(await seal('hello', alice.publicJwk, options)).toEqualTypeOf<string | GeneralJwe>();

  // Not a serialization, not a recipient, not a payload:
  // @ts-expect-error `serialization` is 'compact' or 'json'
  expectTypeOf(seal).toBeCallableWith('hello', alice.publicJwk, { serialization: 'flattened' });
  // @ts-expect-error a symmetric JWK is no recipient of `seal`
  expectTypeOf(seal).toBeCallableWith('hello', { kty: 'oct', k: 'AAAA' });
  // @ts-expect-error the payload is bytes or a string
  expectTypeOf(seal).toBeCallableWith(42, alice.publicJwk);
});

test('seal signed (nested JWS) and open with `from`: the signer comes back typed', async () => {
  const alice = await generateKeyPair('X25519');
  const signer = await generateKeyPair('Ed25519');

  const signed = await seal('signed hello', alice.publicJwk, { sign: signer.privateJwk });
  expectTypeOf(signed).toEqualTypeOf<string>();
  // @ts-expect-error `sign` takes the private JWK, not the public one
  expectTypeOf(seal).toBeCallableWith('x', alice.publicJwk, { sign: signer.publicJwk });

  const opened = await open(signed, alice.privateJwk, { from: signer.publicJwk });
  expectTypeOf(opened).toEqualTypeOf<OpenResult>();
  expectTypeOf(opened.plaintext).toEqualTypeOf<Uint8Array>();
  expectTypeOf(opened.signature).toEqualTypeOf<'verified' | 'unverified' | 'none'>();
  expectTypeOf(opened.signer).toEqualTypeOf<Signer | undefined>();
  assert.equal(opened.signature, 'verified');
  assert.equal(opened.signer?.kid, signer.kid);
  assert.equal(new TextDecoder().decode(opened.plaintext), 'signed hello');
});

test('open: takes every serialization seal makes (and flattened JSON), returns an OpenResult', async () => {
  const alice = await generateKeyPair('X25519');
  const general = await seal('hello', alice.publicJwk, { serialization: 'json' });

  expectTypeOf(open).parameter(0).toEqualTypeOf<string | Uint8Array | GeneralJwe | FlattenedJwe>();
  expectTypeOf(open).parameter(1).toEqualTypeOf<OpenKey>();
  expectTypeOf(open).parameter(2).toEqualTypeOf<OpenOptions | undefined>();
  expectTypeOf(open).returns.resolves.toEqualTypeOf<OpenResult>();
  expectTypeOf(open).toBeCallableWith(general, [alice.privateJwk], { serialization: 'json' });
  expectTypeOf(open).toBeCallableWith('a.b.c.d.e', { password: 'pw' }, { maxPBES2Count: 1000 });
  // @ts-expect-error a public JWK cannot open anything
  expectTypeOf(open).toBeCallableWith(general, alice.publicJwk);
  // @ts-expect-error not a JWE
  expectTypeOf(open).toBeCallableWith(42, alice.privateJwk);

  const opened = await open(general, alice.privateJwk);
  assert.equal(opened.signature, 'none');
  assert.equal(new TextDecoder().decode(opened.plaintext), 'hello');
});
