/** A service's data directory: files and modes, the admin password, renewal, OpenSSL's fingerprint. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  initServiceDir,
  openServiceDir,
  readFingerprint,
  renewCertificate,
  updateSettings,
} from 'sealwire/tunnel';

const dir = join(mkdtempSync(join(tmpdir(), 'sealwire-svc-')), 'lab-1');
const created = await initServiceDir(dir, { serviceId: 'lab-1', adminPassword: 'correct horse' });
const mode = (name: string) => statSync(join(dir, name)).mode & 0o777;

test('first start writes the four files with the right modes; secrets are sealed with Argon2id', () => {
  assert.equal(mode('key.pem'), 0o600);
  assert.equal(mode('secrets.json'), 0o600);
  assert.equal(mode('cert.pem'), 0o644);
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  assert.match(key, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'));
  assert.equal(secrets.sealwire, 'password-box');
  assert.equal(secrets.header.kdf.name, 'argon2id');
  assert.ok(secrets.header.kdf.memoryKiB >= 19456);
  assert.ok(!JSON.stringify(secrets).includes(created.tokenKey.toString('base64url')));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')), {
    serviceId: 'lab-1',
    require_e2ee: true,
    require_session_verification: false,
  });
});

test('the fingerprint equals `openssl x509 -noout -fingerprint -sha256`', async () => {
  const openssl = execFileSync('openssl', [
    'x509',
    '-noout',
    '-fingerprint',
    '-sha256',
    '-in',
    join(dir, 'cert.pem'),
  ])
    .toString()
    .trim();
  assert.equal(openssl, `sha256 Fingerprint=${created.fingerprint}`);
  assert.equal(await readFingerprint(dir), created.fingerprint);
  const subject = execFileSync('openssl', [
    'x509',
    '-noout',
    '-subject',
    '-in',
    join(dir, 'cert.pem'),
  ]).toString();
  assert.match(subject, /CN ?= ?lab-1/);
  assert.match(
    execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'cert.pem')]).toString(),
    /prime256v1|P-256/,
  );
});

test('opening needs the admin password; renewal changes the fingerprint and keeps the secrets', async () => {
  await assert.rejects(openServiceDir(dir, 'wrong'), { code: 'ERR_WRONG_PASSWORD' });
  const opened = await openServiceDir(dir, 'correct horse');
  assert.equal(opened.fingerprint, created.fingerprint);
  const renewed = await renewCertificate(dir, 'correct horse');
  assert.notEqual(renewed, created.fingerprint);
  const reopened = await openServiceDir(dir, 'correct horse');
  assert.equal(reopened.fingerprint, renewed);
  assert.deepEqual(reopened.tokenKey, opened.tokenKey);
  await assert.rejects(renewCertificate(dir, 'wrong'), { code: 'ERR_WRONG_PASSWORD' });
  assert.equal(
    (await updateSettings(dir, { require_session_verification: true })).require_session_verification,
    true,
  );
  await assert.rejects(initServiceDir(dir, { serviceId: 'lab-1', adminPassword: 'correct horse' }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /already holds a service/,
  });
  await assert.rejects(
    initServiceDir(join(dir, '..', 'bad'), { serviceId: 'Bad_Id', adminPassword: 'correct horse' }),
    { code: 'ERR_INVALID_ARGUMENT', message: /service id must be/ },
  );
});
