/** The `sealwire` command as a user types it: key files, modes, round trips, exit codes, one-line errors. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sealwire-cli-'));
const at = (name: string) => join(dir, name);
const mode = (path: string) => statSync(path).mode & 0o777;

test('keygen writes PREFIX.jwk (0600) and PREFIX.pub.jwk, prints the kid, refuses to overwrite', async () => {
  for (const alg of ['X25519', 'P-256', 'Ed25519', 'ES256']) {
    const result = await sealwire(['keygen', '--alg', alg, '--out', at(alg)]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(mode(at(`${alg}.jwk`)), 0o600);
    assert.equal(mode(at(`${alg}.pub.jwk`)), 0o644);
    const privateJwk = JSON.parse(readFileSync(at(`${alg}.jwk`), 'utf8'));
    const publicJwk = JSON.parse(readFileSync(at(`${alg}.pub.jwk`), 'utf8'));
    assert.ok(privateJwk.d && !publicJwk.d);
    assert.equal(result.stdout.toString().trim(), publicJwk.kid);
  }
  const again = await sealwire(['keygen', '--out', at('X25519')]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; refusing to overwrite it \(use --force\)/);
  assert.equal((await sealwire(['keygen', '--out', at('X25519'), '--force'])).code, 0);
  const rsa = await sealwire(['keygen', '--alg', 'RSA-OAEP-256', '--bits', '2048', '--out', at('rsa')]);
  assert.equal(rsa.code, 0, rsa.stderr);
});

test('keygen usage errors exit 2 with one line', async () => {
  for (const args of [
    ['keygen', '--alg', 'DSA', '--out', at('x')],
    ['keygen', '--alg', 'X25519', '--bits', '2048', '--out', at('x')],
    ['keygen', '--alg', 'RSA-OAEP-256', '--bits', '1000', '--out', at('x')],
    ['keygen'],
    ['keygen', '--scrypt', '--out', at('x')],
    ['no-such-command'],
  ]) {
    const result = await sealwire(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stderr.trim().length > 0);
    assert.ok(!result.stderr.includes('    at '), 'no stack trace without --debug');
  }
});

test('fingerprint and pubkey agree with OpenSSL', async () => {
  const print = await sealwire(['fingerprint', at('P-256.jwk')]);
  assert.equal(print.code, 0, print.stderr);
  const pem = await sealwire(['pubkey', '--pem', at('P-256.jwk')]);
  assert.match(pem.stdout.toString(), /^-----BEGIN PUBLIC KEY-----/);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pem.stdout });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-c'], { input: der })
    .toString()
    .trim()
    .split('= ')[1]!
    .toUpperCase();
  const kid = JSON.parse(readFileSync(at('P-256.pub.jwk'), 'utf8')).kid;
  assert.equal(print.stdout.toString(), `thumbprint: ${kid}\nsha256: ${digest}\n`);
  const jwk = await sealwire(['pubkey', at('P-256.jwk')]);
  assert.deepEqual(JSON.parse(jwk.stdout.toString()), JSON.parse(readFileSync(at('P-256.pub.jwk'), 'utf8')));
});

test('seal | open through stdin/stdout and files, binary-safe', async () => {
  const payload = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x80, 10, 13, 0]);
  writeFileSync(at('payload.bin'), payload);
  const sealed = await sealwire(['seal', '--to', at('X25519.pub.jwk'), '--in', at('payload.bin')]);
  assert.equal(sealed.code, 0, sealed.stderr);
  assert.equal(sealed.stdout.toString().trim().split('.').length, 5);
  const opened = await sealwire(['open', '--key', at('X25519.jwk')], { input: sealed.stdout });
  assert.equal(opened.code, 0, opened.stderr);
  assert.equal(Buffer.compare(opened.stdout, payload), 0);
  assert.equal(
    (
      await sealwire([
        'seal',
        '--to',
        at('rsa.pub.jwk'),
        '--to',
        at('P-256.pub.jwk'),
        '--in',
        at('payload.bin'),
        '--out',
        at('multi.jwe'),
      ])
    ).code,
    0,
  );
  assert.equal(mode(at('multi.jwe')), 0o644);
  const multi = JSON.parse(readFileSync(at('multi.jwe'), 'utf8'));
  assert.equal(multi.recipients.length, 2);
  for (const key of ['rsa.jwk', 'P-256.jwk']) {
    const result = await sealwire([
      'open',
      '--key',
      at(key),
      '--in',
      at('multi.jwe'),
      '--out',
      at(`out-${key}`),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(Buffer.compare(readFileSync(at(`out-${key}`)), payload), 0);
  }
  const anonymous = await sealwire(['seal', '--to', at('X25519.pub.jwk'), '--anonymous', '--json'], {
    input: 'anon',
  });
  const jwe = JSON.parse(anonymous.stdout.toString());
  assert.ok(!JSON.stringify(jwe).includes('"kid"') && Array.isArray(jwe.recipients));
  assert.equal(
    (await sealwire(['open', '--key', at('X25519.jwk')], { input: anonymous.stdout })).stdout.toString(),
    'anon',
  );
});

test('signed messages: --sign / --from; exit 1 when the signer is not the expected one or the message is unsigned', async () => {
  const sealed = await sealwire(['seal', '--to', at('X25519.pub.jwk'), '--sign', at('Ed25519.jwk')], {
    input: 'from alice',
  });
  assert.equal(sealed.code, 0, sealed.stderr);
  const verified = await sealwire(
    ['open', '--key', at('X25519.jwk'), '--from', at('ES256.pub.jwk'), '--from', at('Ed25519.pub.jwk')],
    { input: sealed.stdout },
  );
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stdout.toString(), 'from alice');
  assert.match(verified.stderr, /signature verified, signer kid /);
  const wrongSigner = await sealwire(['open', '--key', at('X25519.jwk'), '--from', at('ES256.pub.jwk')], {
    input: sealed.stdout,
  });
  assert.equal(wrongSigner.code, 1);
  assert.equal(wrongSigner.stdout.length, 0, 'no output on failure');
  assert.match(wrongSigner.stderr, /\[ERR_SIGNATURE_INVALID\]\n$/);
  const unsigned = await sealwire(['seal', '--to', at('X25519.pub.jwk')], { input: 'x' });
  const missing = await sealwire(['open', '--key', at('X25519.jwk'), '--from', at('Ed25519.pub.jwk')], {
    input: unsigned.stdout,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ERR_SIGNATURE_MISSING/);
  const noFrom = await sealwire(['open', '--key', at('X25519.jwk')], { input: sealed.stdout });
  assert.equal(noFrom.code, 0);
  assert.match(noFrom.stderr, /signed but not verified/);
});

test('open failures: wrong key and tampering exit 1 with one line and no output; missing files exit 2', async () => {
  const sealed = (await sealwire(['seal', '--to', at('X25519.pub.jwk')], { input: 'secret' })).stdout
    .toString()
    .trim();
  const wrong = await sealwire(['open', '--key', at('P-256.jwk')], { input: sealed });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr.trim().split('\n').length, 1);
  const parts = sealed.split('.');
  const tampered = [
    ...parts.slice(0, 3),
    `${parts[3]!.startsWith('A') ? 'B' : 'A'}${parts[3]!.slice(1)}`,
    parts[4],
  ].join('.');
  const bad = await sealwire(['open', '--key', at('X25519.jwk')], { input: tampered });
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout.length, 0);
  assert.match(bad.stderr, /ERR_DECRYPTION_FAILED/);
  const garbage = await sealwire(['open', '--key', at('X25519.jwk')], { input: 'garbage' });
  assert.equal(garbage.code, 1);
  const missing = await sealwire(['open', '--key', at('nope.jwk')], { input: sealed });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  const publicAsPrivate = await sealwire(['open', '--key', at('X25519.pub.jwk')], { input: sealed });
  assert.equal(publicAsPrivate.code, 2);
  const debug = await sealwire(['--debug', 'open', '--key', at('P-256.jwk')], { input: sealed });
  assert.match(debug.stderr, /\n {4}at /, '--debug prints the stack');
});

test('password-protected keys: --password-file, SEALWIRE_KEY_PASSWORD, wrong password, no TTY', async () => {
  writeFileSync(at('pw.txt'), 'hunter2 but longer\n', { mode: 0o600 });
  const made = await sealwire(['keygen', '--out', at('locked'), '--password-file', at('pw.txt')]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stderr, /password-protected/);
  assert.equal(mode(at('locked.jwk')), 0o600);
  assert.equal(JSON.parse(readFileSync(at('locked.jwk'), 'utf8')).sealwire, 'protected-key');
  const sealed = await sealwire(['seal', '--to', at('locked.jwk')], { input: 'locked data' });
  assert.equal(sealed.code, 0, 'a protected file gives its public key without a password');
  const withFile = await sealwire(['open', '--key', at('locked.jwk'), '--password-file', at('pw.txt')], {
    input: sealed.stdout,
  });
  assert.equal(withFile.stdout.toString(), 'locked data');
  const withEnv = await sealwire(['open', '--key', at('locked.jwk')], {
    input: sealed.stdout,
    env: { SEALWIRE_KEY_PASSWORD: 'hunter2 but longer' },
  });
  assert.equal(withEnv.stdout.toString(), 'locked data');
  const wrong = await sealwire(['open', '--key', at('locked.jwk')], {
    input: sealed.stdout,
    env: { SEALWIRE_KEY_PASSWORD: 'nope' },
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /wrong password/);
  const none = await sealwire(['open', '--key', at('locked.jwk')], {
    input: sealed.stdout,
    env: { SEALWIRE_KEY_PASSWORD: '' },
  });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--password-file FILE or set SEALWIRE_KEY_PASSWORD/);
});

test('--help on every command, --version', async () => {
  for (const command of [[], ['keygen'], ['pubkey'], ['fingerprint'], ['seal'], ['open']]) {
    const result = await sealwire([...command, '--help']);
    assert.equal(result.code, 0, command.join(' '));
    assert.match(result.stdout.toString(), /Usage: sealwire/);
  }
  const version = await sealwire(['--version']);
  assert.equal(
    version.stdout.toString().trim(),
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
  );
});

test('the installed bin (compiled dist/) runs', { timeout: 120_000 }, () => {
  const root = new URL('../..', import.meta.url).pathname;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root },
  );
  assert.ok(existsSync(join(root, 'dist/cli/main.js')));
  const out = execFileSync(process.execPath, [
    join(root, 'bin/sealwire.js'),
    'fingerprint',
    at('X25519.pub.jwk'),
  ]).toString();
  assert.match(out, /^thumbprint: .+\nsha256: [0-9A-F:]{95}\n$/);
});
