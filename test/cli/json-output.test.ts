/**
 * `--json` on the commands that print information (keygen, pubkey, fingerprint, age keygen, open): one
 * JSON document on stdout, the same facts as the text output, nothing else on stdout.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const dir = scratch('json');
const at = (name: string) => join(dir, name);

async function json(args: string[], input?: string | Uint8Array): Promise<Record<string, unknown>> {
  const result = await sealwire(args, input === undefined ? {} : { input });
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout.toString()) as Record<string, unknown>;
}

test('keygen, pubkey and fingerprint --json', async () => {
  const made = await json(['keygen', '--alg', 'P-256', '--out', at('k'), '--json']);
  const publicJwk = JSON.parse(readFileSync(at('k.pub.jwk'), 'utf8'));
  assert.deepEqual(made, {
    kid: publicJwk.kid,
    alg: 'P-256',
    private: at('k.jwk'),
    public: at('k.pub.jwk'),
    protected: false,
  });
  const pub = await json(['pubkey', at('k.jwk'), '--json']);
  assert.deepEqual(pub, { kid: publicJwk.kid, jwk: publicJwk });
  const withPem = await json(['pubkey', at('k.jwk'), '--json', '--pem']);
  assert.match(String(withPem.pem), /^-----BEGIN PUBLIC KEY-----/);
  const text = (await sealwire(['fingerprint', at('k.jwk')])).stdout.toString();
  const print = await json(['fingerprint', at('k.jwk'), '--json']);
  assert.equal(`thumbprint: ${print.thumbprint}\nsha256: ${print.sha256}\n`, text);
});

test('age keygen --json: the recipient, and the identity unless it went to a file', async () => {
  const toStdout = await json(['age', 'keygen', '--json']);
  assert.match(String(toStdout.identity), /^AGE-SECRET-KEY-1[0-9A-Z]+$/);
  assert.match(String(toStdout.recipient), /^age1[0-9a-z]+$/);
  const toFile = await sealwire(['age', 'keygen', '-o', at('age.txt'), '--json']);
  const parsed = JSON.parse(toFile.stdout.toString());
  assert.equal(parsed.output, at('age.txt'));
  assert.equal(parsed.identity, undefined, 'the secret stays in the file');
  assert.ok(readFileSync(at('age.txt'), 'utf8').includes(`# public key: ${parsed.recipient}`));
  const converted = await json(['age', 'keygen', '-y', at('age.txt'), '--json']);
  assert.deepEqual(converted, { recipients: [parsed.recipient] });
});

test('open --json: signature status, signer, recipient kid and the plaintext (base64)', async () => {
  assert.equal((await sealwire(['keygen', '--out', at('x')])).code, 0);
  assert.equal((await sealwire(['keygen', '--alg', 'Ed25519', '--out', at('signer')])).code, 0);
  const signer = JSON.parse(readFileSync(at('signer.pub.jwk'), 'utf8')).kid;
  const recipientKid = JSON.parse(readFileSync(at('x.pub.jwk'), 'utf8')).kid;
  const sealed = await sealwire(['seal', '--to', at('x.pub.jwk'), '--sign', at('signer.jwk')], {
    input: Buffer.from([0, 1, 2, 255]),
  });
  const opened = await json(
    ['open', '--key', at('x.jwk'), '--from', at('signer.pub.jwk'), '--json'],
    sealed.stdout,
  );
  assert.deepEqual(opened, { signature: 'verified', signer, recipientKid, plaintext: 'AAEC/w==' });
  const toFile = await json(
    ['open', '--key', at('x.jwk'), '--from', at('signer.pub.jwk'), '--json', '--out', at('out.bin')],
    sealed.stdout,
  );
  assert.equal(toFile.output, at('out.bin'));
  assert.equal(toFile.plaintext, undefined);
  assert.deepEqual([...readFileSync(at('out.bin'))], [0, 1, 2, 255]);
});
