/**
 * Interop with the reference age implementation (Debian `age` 1.1.1, Go), both directions, through the
 * library and through the `sealwire age` CLI as a user would run it: one and several recipients, binary
 * and armored, passphrases (age asks on a terminal: driven through a pseudo-terminal), empty payloads,
 * exact multiples of the 64 KiB chunk, X25519 JWKs, sender signatures, the progress bar.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKeyPair } from 'sealwire/keys';
import {
  decrypt,
  encrypt,
  generateIdentity,
  identityFromJwk,
  identityToRecipient,
  keyFileLines,
  recipientFromJwk,
} from 'sealwire/seal/age';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sealwire-age-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[], input?: Uint8Array | string) {
  const result = spawnSync(command, args, {
    input: input ?? '',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

function age(args: string[], input?: Uint8Array | string): Buffer {
  const result = run('age', args, input);
  assert.equal(result.status, 0, `age ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// age reads passphrases from the terminal only: run it under a pseudo-terminal that answers its prompts.
const PTY = `
import os, pty, sys, select, time
secret = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, answered, deadline = b'', 0, time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if not ready:
        continue
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    prompts = seen.count(b'passphrase:') + seen.count(b'secure one):')
    if prompts > answered:
        os.write(fd, secret + b'\\n')
        answered = prompts
_, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

function ageWithPassphrase(passphrase: string, args: string[]): void {
  const result = run('/usr/bin/python3', ['-c', PTY, passphrase, 'age', ...args]);
  assert.equal(result.status, 0, `age ${args.join(' ')} under a pty: ${result.stderr}`);
}

function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const SIZES = [0, 1, 65_535, 65_536, 65_537, 2 * 65_536, 3 * 65_536 + 5];

// Keys made by the reference tool.
const ageKeyFile = join(dir, 'age.key');
assert.equal(run('age-keygen', ['-o', ageKeyFile]).status, 0, 'age-keygen');
const ageIdentity = keyFileLines(readFileSync(ageKeyFile, 'utf8'))[0]!;
const ageRecipient = run('age-keygen', ['-y', ageKeyFile]).stdout.toString().trim();
// Keys made by Sealwire.
const ourIdentity = await generateIdentity();
const ourRecipient = await identityToRecipient(ourIdentity);
const ourKeyFile = join(dir, 'ours.key');
writeFileSync(ourKeyFile, `${ourIdentity}\n`, { mode: 0o600 });

test('age (Go) -> sealwire: every size, binary and armored, one and several recipients', async () => {
  assert.equal(
    ageRecipient,
    await identityToRecipient(ageIdentity),
    'same recipient derivation as age-keygen',
  );
  for (const size of SIZES) {
    const plaintext = pattern(size, size + 7);
    for (const armor of [false, true]) {
      const file = age(['-r', ourRecipient, ...(armor ? ['-a'] : [])], plaintext);
      assert.deepEqual(
        Buffer.from(await decrypt(file, ourIdentity)),
        plaintext,
        `size ${size} armor ${armor}`,
      );
    }
  }
  const plaintext = pattern(150_000, 3);
  const file = age(
    ['-r', ageRecipient, '-r', ourRecipient, '-r', await identityToRecipient(await generateIdentity())],
    plaintext,
  );
  assert.deepEqual(Buffer.from(await decrypt(file, ourIdentity)), plaintext);
  assert.deepEqual(Buffer.from(await decrypt(file, ageIdentity)), plaintext);
});

test('sealwire -> age (Go): every size, binary and armored, one and several recipients', async () => {
  for (const size of SIZES) {
    const plaintext = pattern(size, size + 11);
    for (const armor of [false, true]) {
      const file = await encrypt(plaintext, [ageRecipient], { armor });
      assert.deepEqual(age(['-d', '-i', ageKeyFile], file), plaintext, `size ${size} armor ${armor}`);
    }
  }
  const plaintext = pattern(300_000, 5);
  const file = await encrypt(plaintext, [
    ourRecipient,
    ageRecipient,
    await identityToRecipient(await generateIdentity()),
  ]);
  assert.deepEqual(age(['-d', '-i', ageKeyFile], file), plaintext);
  assert.deepEqual(age(['-d', '-i', ourKeyFile], file), plaintext, 'age reads a Sealwire identity file');
});

test('passphrases both ways (scrypt; age prompts on a terminal)', async () => {
  const plaintext = pattern(70_000, 9);
  const input = join(dir, 'pass.txt');
  writeFileSync(input, plaintext);
  const byAge = join(dir, 'pass.age');
  ageWithPassphrase('correct horse battery', ['-p', '-o', byAge, input]);
  assert.match(readFileSync(byAge).toString('latin1'), /\n-> scrypt [A-Za-z0-9+/]{22} 18\n/);
  assert.deepEqual(
    Buffer.from(await decrypt(readFileSync(byAge), { passphrase: 'correct horse battery' })),
    plaintext,
  );

  const bySealwire = join(dir, 'pass-sw.age');
  writeFileSync(
    bySealwire,
    await encrypt(plaintext, { passphrase: 'staple', workFactor: 15 }, { armor: true }),
  );
  const out = join(dir, 'pass-sw.out');
  ageWithPassphrase('staple', ['-d', '-o', out, bySealwire]);
  assert.deepEqual(readFileSync(out), plaintext);
});

test('Sealwire X25519 JWKs are age keys: age encrypts to one, reads the other', async () => {
  const pair = await generateKeyPair('X25519');
  const file = age(['-r', recipientFromJwk(pair.publicJwk)], 'to a JWK');
  assert.equal(Buffer.from(await decrypt(file, pair.privateJwk)).toString(), 'to a JWK');
  const keyFile = join(dir, 'jwk-as-age.key');
  writeFileSync(keyFile, `${await identityFromJwk(pair.privateJwk)}\n`, { mode: 0o600 });
  assert.equal(
    age(['-d', '-i', keyFile], await encrypt('from a JWK', pair.publicJwk)).toString(),
    'from a JWK',
  );
});

// Each CLI run starts a process that loads the whole command: independent runs go in parallel.
test('CLI: sealwire age keygen/encrypt/decrypt <-> age and age-keygen, from a shell', async () => {
  const cwd = dir;
  const data = pattern(200_000, 13);
  writeFileSync(join(dir, 'data.bin'), data);
  writeFileSync(join(dir, 'pw.txt'), 'hunter2 hunter2\n');
  ageWithPassphrase('from age', ['-p', '-a', '-o', join(dir, 'pw2.age'), join(dir, 'data.bin')]);
  writeFileSync(join(dir, 'team.txt'), `# the team\n\n${ageRecipient}\n`);
  const [keygen, encrypted, pass, passOut, noRecipient] = await Promise.all([
    sealwire(['age', 'keygen', '-o', 'cli.key'], { cwd }),
    // -R recipients file and -i identity file, armored, stdin to stdout.
    sealwire(['age', 'encrypt', '-R', 'team.txt', '-i', ourKeyFile, '-a'], { cwd, input: data }),
    sealwire(
      [
        'age',
        'encrypt',
        '-p',
        '--passphrase-file',
        'pw.txt',
        '--work-factor',
        '14',
        '-o',
        'pw.age',
        'data.bin',
      ],
      {
        cwd,
      },
    ),
    sealwire(['age', 'decrypt', 'pw2.age'], { cwd, env: { SEALWIRE_AGE_PASSPHRASE: 'from age' } }),
    sealwire(['age', 'encrypt', 'data.bin'], { cwd }),
  ]);
  assert.equal(keygen.code, 0, keygen.stderr);
  assert.equal(statSync(join(dir, 'cli.key')).mode & 0o777, 0o600);
  const recipient = keygen.stderr.match(/Public key: (age1[a-z0-9]+)/)![1]!;
  assert.equal(
    run('age-keygen', ['-y', join(dir, 'cli.key')])
      .stdout.toString()
      .trim(),
    recipient,
    'age-keygen -y agrees',
  );
  assert.equal(encrypted.code, 0, encrypted.stderr);
  assert.ok(encrypted.stdout.toString().startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n'));
  assert.deepEqual(age(['-d', '-i', ageKeyFile], encrypted.stdout), data);
  assert.deepEqual(age(['-d', '-i', ourKeyFile], encrypted.stdout), data);
  assert.equal(pass.code, 0, pass.stderr);
  ageWithPassphrase('hunter2 hunter2', ['-d', '-o', join(dir, 'pw.out'), join(dir, 'pw.age')]);
  assert.deepEqual(readFileSync(join(dir, 'pw.out')), data);
  assert.equal(passOut.code, 0, passOut.stderr);
  assert.deepEqual(passOut.stdout, data);
  assert.equal(noRecipient.code, 2, 'usage error');

  // age encrypts to the sealwire key; sealwire decrypts from a file and from stdin; failures leave nothing.
  age(['-r', recipient, '-o', join(dir, 'data.age'), join(dir, 'data.bin')]);
  writeFileSync(join(dir, 'truncated.age'), readFileSync(join(dir, 'data.age')).subarray(0, 100_000));
  const [decrypted, fromStdin, cut] = await Promise.all([
    sealwire(['age', 'decrypt', '-i', 'cli.key', '-o', 'data.out', 'data.age'], { cwd }),
    sealwire(['age', 'decrypt', '-i', 'cli.key'], { cwd, input: age(['-r', recipient, '-a'], data) }),
    sealwire(['age', 'decrypt', '-i', 'cli.key', '-o', 'cut.out', 'truncated.age'], { cwd }),
  ]);
  assert.equal(decrypted.code, 0, decrypted.stderr);
  assert.deepEqual(readFileSync(join(dir, 'data.out')), data);
  assert.equal(statSync(join(dir, 'data.out')).mode & 0o777, 0o600);
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.deepEqual(fromStdin.stdout, data);
  assert.equal(cut.code, 1, cut.stderr);
  assert.match(cut.stderr, /ERR_DECRYPTION_FAILED/);
  assert.equal(existsSync(join(dir, 'cut.out')), false, 'no partial plaintext under the output name');
});

test('CLI: JWK key files and sender signatures; age still reads signed files', async () => {
  const cwd = dir;
  const bob = await generateKeyPair('X25519');
  const alice = await generateKeyPair('Ed25519');
  writeFileSync(join(dir, 'bob.jwk'), JSON.stringify(bob.privateJwk), { mode: 0o600 });
  writeFileSync(join(dir, 'bob.pub.jwk'), JSON.stringify(bob.publicJwk));
  writeFileSync(join(dir, 'alice.jwk'), JSON.stringify(alice.privateJwk), { mode: 0o600 });
  writeFileSync(join(dir, 'alice.pub.jwk'), JSON.stringify(alice.publicJwk));
  const bobRecipient = recipientFromJwk(bob.publicJwk);
  writeFileSync(join(dir, 'to-bob.age'), age(['-r', bobRecipient], 'to bob'));
  writeFileSync(join(dir, 'report.csv'), 'a,b\n1,2\n');
  writeFileSync(join(dir, 'forged.age'), age(['-r', bobRecipient], 'a,b\n1,2000\n'));
  const [y, opened, signed] = await Promise.all([
    sealwire(['age', 'keygen', '-y', 'bob.jwk'], { cwd }),
    sealwire(['age', 'decrypt', '-i', 'bob.jwk', 'to-bob.age'], { cwd }),
    sealwire(
      [
        'age',
        'encrypt',
        '-R',
        'bob.pub.jwk',
        '-r',
        ageRecipient,
        '--sign',
        'alice.jwk',
        '-o',
        'report.age',
        'report.csv',
      ],
      { cwd },
    ),
  ]);
  assert.equal(y.stdout.toString().trim(), bobRecipient, y.stderr);
  assert.equal(opened.stdout.toString(), 'to bob', opened.stderr);
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(readFileSync(join(dir, 'report.age.sig'), 'utf8'), /^sealwire\.dev\/age-sig\/v1 ed25519 /);
  assert.equal(
    age(['-d', '-i', ageKeyFile, join(dir, 'report.age')]).toString(),
    'a,b\n1,2\n',
    'age ignores the signature',
  );
  // A file made by a co-recipient, presented with Alice's signature: refused, nothing written.
  writeFileSync(join(dir, 'forged.age.sig'), readFileSync(join(dir, 'report.age.sig')));
  const [verified, forged] = await Promise.all([
    sealwire(['age', 'decrypt', '-i', 'bob.jwk', '--from', 'alice.pub.jwk', 'report.age'], { cwd }),
    sealwire(
      ['age', 'decrypt', '-i', 'bob.jwk', '--from', 'alice.pub.jwk', '-o', 'forged.out', 'forged.age'],
      { cwd },
    ),
  ]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stdout.toString(), 'a,b\n1,2\n');
  assert.match(verified.stderr, /signature verified/);
  assert.equal(forged.code, 1);
  assert.match(forged.stderr, /ERR_SIGNATURE_INVALID/);
  assert.equal(existsSync(join(dir, 'forged.out')), false);
});

test('CLI progress bar: on stderr when it is a terminal, never otherwise', () => {
  // Feeds 40 MiB slowly through stdin for ~1.4 s with stderr on a pseudo-terminal.
  const script = `
import os, pty, subprocess, sys, time
master, slave = pty.openpty()
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
block = b'x' * (1 << 20)
for i in range(40):
    proc.stdin.write(block)
    time.sleep(0.035)
proc.stdin.close()
proc.wait(timeout=60)
out = b''
os.set_blocking(master, False)
try:
    while True:
        data = os.read(master, 65536)
        if not data:
            break
        out += data
except (BlockingIOError, OSError):
    pass
sys.stdout.write(out.decode(errors='replace'))
sys.exit(proc.returncode)
`;
  const cli = [process.execPath, ...CLI_ARGS];
  const onTty = run('/usr/bin/python3', [
    '-c',
    script,
    ...cli,
    'age',
    'encrypt',
    '-r',
    ageRecipient,
    '-o',
    join(dir, 'progress.age'),
  ]);
  assert.equal(onTty.status, 0, onTty.stderr);
  assert.match(onTty.stdout.toString(), /encrypting \d+ MiB \d+ MiB\/s/);
  const offTty = run(
    process.execPath,
    [...CLI_ARGS, 'age', 'encrypt', '-r', ageRecipient],
    pattern(8 << 20, 1),
  );
  assert.equal(offTty.status, 0);
  assert.equal(offTty.stderr, '');
});
