/**
 * Files the CLI writes: whatever holds plaintext or a private key is 0600 (`open --out`, `age decrypt -o`,
 * key files), ciphertext and public keys 0644; a missing output directory is one line, exit 2, for every
 * command that writes files ("output directory D does not exist"), never a temporary file's ENOENT or an
 * "unexpected error"; a refused overwrite names a flag the command has.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { list, scratch } from './process-control.ts';

// A permissive umask (inherited by the children): the modes must come from the CLI, not from the umask.
const umask = process.umask(0o000);
after(() => process.umask(umask));
const dir = scratch('outputs');
const at = (name: string) => join(dir, name);
const mode = (path: string) => statSync(path).mode & 0o777;

assert.equal((await sealwire(['keygen', '--out', at('x')])).code, 0);
assert.equal((await sealwire(['keygen', '--alg', 'Ed25519', '--out', at('signer')])).code, 0);
assert.equal((await sealwire(['age', 'keygen', '-o', at('age.txt')])).code, 0);
const recipient = /age1[0-9a-z]+/.exec(readFileSync(at('age.txt'), 'utf8'))![0];
writeFileSync(at('plain.txt'), 'the plaintext');
writeFileSync(at('pw.txt'), 'correct horse\n');
assert.equal(
  (await sealwire(['seal', '--to', at('x.pub.jwk'), '--in', at('plain.txt'), '--out', at('sealed.jwe')]))
    .code,
  0,
);
assert.equal(
  (await sealwire(['age', 'encrypt', '-r', recipient, '-o', at('plain.age'), at('plain.txt')])).code,
  0,
);

test('plaintext and private keys are 0600, ciphertext and public keys 0644 (whatever the umask)', async () => {
  const opened = await sealwire([
    'open',
    '--key',
    at('x.jwk'),
    '--in',
    at('sealed.jwe'),
    '--out',
    at('opened.txt'),
  ]);
  assert.equal(opened.code, 0, opened.stderr);
  assert.equal(readFileSync(at('opened.txt'), 'utf8'), 'the plaintext');
  const decrypted = await sealwire([
    'age',
    'decrypt',
    '-i',
    at('age.txt'),
    '-o',
    at('decrypted.txt'),
    at('plain.age'),
  ]);
  assert.equal(decrypted.code, 0, decrypted.stderr);
  const signed = await sealwire([
    'age',
    'encrypt',
    '-r',
    recipient,
    '--sign',
    at('signer.jwk'),
    '-o',
    at('signed.age'),
    at('plain.txt'),
  ]);
  assert.equal(signed.code, 0, signed.stderr);
  const recipients = await sealwire(['age', 'keygen', '-y', '-o', at('recipients.txt'), at('age.txt')]);
  assert.equal(recipients.code, 0, recipients.stderr);
  for (const [name, expected] of [
    ['opened.txt', 0o600],
    ['decrypted.txt', 0o600],
    ['x.jwk', 0o600],
    ['age.txt', 0o600],
    ['x.pub.jwk', 0o644],
    ['sealed.jwe', 0o644],
    ['plain.age', 0o644],
    ['signed.age', 0o644],
    ['signed.age.sig', 0o644],
    ['recipients.txt', 0o644],
  ] as const)
    assert.equal(mode(at(name)).toString(8), expected.toString(8), name);
  // Overwriting an existing file with --out keeps it private.
  writeFileSync(at('existing.txt'), 'old', { mode: 0o644 });
  await sealwire(['open', '--key', at('x.jwk'), '--in', at('sealed.jwe'), '--out', at('existing.txt')]);
  assert.equal(mode(at('existing.txt')), 0o600);
});

test('a missing output directory: one line naming it, exit 2, for every command that writes files', async () => {
  const missing = at('missing/dir');
  const commands: string[][] = [
    ['keygen', '--out', `${missing}/k`],
    ['keygen', '--out', `${missing}/k`, '--password-file', at('pw.txt')],
    ['seal', '--to', at('x.pub.jwk'), '--in', at('plain.txt'), '--out', `${missing}/out.jwe`],
    ['open', '--key', at('x.jwk'), '--in', at('sealed.jwe'), '--out', `${missing}/out.txt`],
    ['age', 'keygen', '-o', `${missing}/key.txt`],
    ['age', 'keygen', '-y', '-o', `${missing}/recipients.txt`, at('age.txt')],
    ['age', 'encrypt', '-r', recipient, '-o', `${missing}/out.age`, at('plain.txt')],
    [
      'age',
      'encrypt',
      '-r',
      recipient,
      '--sign',
      at('signer.jwk'),
      '-o',
      at('unused.age'),
      '--signature-out',
      `${missing}/out.sig`,
      at('plain.txt'),
    ],
    ['age', 'decrypt', '-i', at('age.txt'), '-o', `${missing}/out.txt`, at('plain.age')],
  ];
  for (const args of commands) {
    const result = await sealwire(args);
    const label = args.slice(0, 2).join(' ');
    assert.equal(result.code, 2, `${label}: ${result.stderr}`);
    assert.equal(result.stderr, `sealwire: output directory ${missing} does not exist\n`, label);
  }
  assert.ok(!list(dir).includes('unused.age'), 'refused before anything was written');
  const parentIsFile = await sealwire(['keygen', '--out', at('plain.txt/k')]);
  assert.equal(parentIsFile.code, 2);
  assert.equal(parentIsFile.stderr, `sealwire: output directory ${at('plain.txt')} is not a directory\n`);
  const intoDirectory = await sealwire([
    'open',
    '--key',
    at('x.jwk'),
    '--in',
    at('sealed.jwe'),
    '--out',
    dir,
  ]);
  assert.equal(intoDirectory.code, 2);
  assert.equal(intoDirectory.stderr, `sealwire: ${dir} is a directory\n`);
});

test('refusing to overwrite names a flag the command has', async () => {
  const ageKeygen = await sealwire(['age', 'keygen', '-o', at('age.txt')]);
  assert.equal(ageKeygen.code, 2);
  assert.ok(!ageKeygen.stderr.includes('--force'), ageKeygen.stderr);
  assert.equal(
    ageKeygen.stderr,
    `sealwire: ${at('age.txt')} exists; refusing to overwrite it (remove it or choose another --output)\n`,
  );
  const keygen = await sealwire(['keygen', '--out', at('x')]);
  assert.equal(keygen.code, 2);
  assert.equal(keygen.stderr, `sealwire: ${at('x.jwk')} exists; refusing to overwrite it (use --force)\n`);
  const hidden = list(dir).filter((name) => name.startsWith('.'));
  assert.deepEqual(hidden, [], 'no temporary file left behind');
});
