/**
 * Every number, duration and enum of the age, seal and key commands is checked when the command line is
 * read: a bad value is a usage error (exit 2) in one line that names the flag and the value, before any
 * file is read or any key is loaded. Commander's own usage errors (unknown option, missing argument) are
 * one line too.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const dir = scratch('options');
writeFileSync(join(dir, 'pw.txt'), 'pw\n');
writeFileSync(join(dir, 'data'), 'data');

function assertOneLine(stderr: string, label: string): void {
  assert.equal(stderr.split('\n').filter((line) => line !== '').length, 1, `${label}: ${stderr}`);
  assert.ok(stderr.startsWith('sealwire: '), `${label}: ${stderr}`);
  assert.ok(!stderr.includes('    at '), `${label}: ${stderr}`);
}

test('bad numbers and enums: exit 2, one line naming the flag and the value', async () => {
  const cases: [string[], RegExp][] = [
    [
      [
        'age',
        'encrypt',
        '-p',
        '--passphrase-file',
        join(dir, 'pw.txt'),
        '--work-factor',
        'abc',
        join(dir, 'data'),
      ],
      /--work-factor must be a whole number from 1 to 22, got 'abc'/,
    ],
    [
      [
        'age',
        'encrypt',
        '-p',
        '--passphrase-file',
        join(dir, 'pw.txt'),
        '--work-factor',
        '0',
        join(dir, 'data'),
      ],
      /--work-factor must be a whole number from 1 to 22, got '0'/,
    ],
    [
      [
        'age',
        'encrypt',
        '-p',
        '--passphrase-file',
        join(dir, 'pw.txt'),
        '--work-factor',
        '23',
        join(dir, 'data'),
      ],
      /--work-factor .* got '23'/,
    ],
    [
      [
        'age',
        'encrypt',
        '-p',
        '--passphrase-file',
        join(dir, 'pw.txt'),
        '--work-factor',
        '1e1',
        join(dir, 'data'),
      ],
      /--work-factor .* got '1e1'/,
    ],
    [['age', 'decrypt', '--max-work-factor', '-3', join(dir, 'data')], /--max-work-factor .* got '-3'/],
    [['age', 'decrypt', '--max-work-factor', '18.5', join(dir, 'data')], /--max-work-factor .* got '18.5'/],
    [
      ['open', '--key', join(dir, 'nope.jwk'), '--max-size', 'abc'],
      /--max-size must be a whole number .* got 'abc'/,
    ],
    [['open', '--key', join(dir, 'nope.jwk'), '--max-size', '0'], /--max-size .* got '0'/],
    [['open', '--key', join(dir, 'nope.jwk'), '--max-size', '64MiB'], /--max-size .* got '64MiB'/],
    [
      ['keygen', '--alg', 'DSA', '--out', join(dir, 'k')],
      /--alg must be one of: X25519, P-256, .* got 'DSA'/,
    ],
    [
      ['keygen', '--alg', 'RSA-OAEP-256', '--bits', '1000', '--out', join(dir, 'k')],
      /--bits must be one of: 2048, 3072, 4096, got '1000'/,
    ],
    [['keygen', '--alg', 'RSA-OAEP-256', '--bits', 'many', '--out', join(dir, 'k')], /--bits .* got 'many'/],
    [['completion', 'tcsh'], /<shell> must be one of: bash, zsh, fish, got 'tcsh'/],
  ];
  for (const [args, message] of cases) {
    const result = await sealwire(args);
    const label = args.join(' ');
    assert.equal(result.code, 2, `${label}: ${result.stderr}`);
    assertOneLine(result.stderr, label);
    assert.match(result.stderr, message, label);
  }
});

test('values that only make sense together are checked too', async () => {
  for (const [args, message] of [
    [
      ['age', 'encrypt', '-r', 'age1x', '--work-factor', '10', join(dir, 'data')],
      /--work-factor applies to .*-p/,
    ],
    [
      ['age', 'encrypt', '-r', 'age1x', '--signature-out', join(dir, 's'), join(dir, 'data')],
      /--signature-out needs --sign/,
    ],
    [
      ['keygen', '--alg', 'X25519', '--bits', '2048', '--out', join(dir, 'k')],
      /--bits applies to RSA-OAEP-256/,
    ],
  ] as const) {
    const result = await sealwire([...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assertOneLine(result.stderr, args.join(' '));
    assert.match(result.stderr, message);
  }
});

test('valid values still work: case-insensitive --alg, --max-size, --work-factor', async () => {
  const made = await sealwire(['keygen', '--alg', 'ed25519', '--out', join(dir, 'ed')]);
  assert.equal(made.code, 0, made.stderr);
  const x = await sealwire(['keygen', '--out', join(dir, 'x')]);
  assert.equal(x.code, 0, x.stderr);
  const sealed = await sealwire(['seal', '--to', join(dir, 'x.pub.jwk')], { input: '12345' });
  const small = await sealwire(['open', '--key', join(dir, 'x.jwk'), '--max-size', '4'], {
    input: sealed.stdout,
  });
  assert.equal(small.code, 1);
  assert.match(small.stderr, /raise --max-size/, 'the limit names the flag, not the library option');
  assert.ok(!small.stderr.includes('maxPlaintextBytes'), small.stderr);
  const enough = await sealwire(['open', '--key', join(dir, 'x.jwk'), '--max-size', '5'], {
    input: sealed.stdout,
  });
  assert.equal(enough.stdout.toString(), '12345');
  const encrypted = await sealwire([
    'age',
    'encrypt',
    '-p',
    '--passphrase-file',
    join(dir, 'pw.txt'),
    '--work-factor',
    '10',
    '-a',
    join(dir, 'data'),
  ]);
  assert.equal(encrypted.code, 0, encrypted.stderr);
});

test("commander's usage errors are one line naming the command's help", async () => {
  for (const [args, message] of [
    [
      ['age', 'encrypt', '--no-such-flag'],
      /unknown option '--no-such-flag' \(see `sealwire age encrypt --help`\)/,
    ],
    [['pubkey'], /missing required argument 'keyfile' \(see `sealwire pubkey --help`\)/],
    [['seal'], /required option '--to <pubkey>' not specified/],
    [['agee'], /unknown command 'agee' \(Did you mean age\?\)/],
  ] as const) {
    const result = await sealwire([...args]);
    assert.equal(result.code, 2, args.join(' '));
    assertOneLine(result.stderr, args.join(' '));
    assert.match(result.stderr, message);
  }
});
