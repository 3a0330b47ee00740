/**
 * `sealwire completion bash|zsh|fish` prints a script generated from commander's command tree. Each
 * script is checked by its own shell (zsh and fish come from `npm run peers`; an absent shell fails the
 * test): syntax (`bash -n`, `zsh -n`, `fish -n`) and real
 * completions: `sealwire ag` -> age, `sealwire age en` -> encrypt, an option prefix, an enum option's
 * values, options skipped with their values on the way to the sub-command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const dir = scratch('completion');

async function script(shell: string): Promise<string> {
  const result = await sealwire(['completion', shell]);
  assert.equal(result.code, 0, result.stderr);
  const path = join(dir, `sealwire.${shell}`);
  writeFileSync(path, result.stdout);
  return path;
}

function runShell(shell: string, args: string[]): string {
  const result = spawnSync(shell, args, { encoding: 'utf8', timeout: 20_000, cwd: dir });
  assert.equal(result.status, 0, `${shell} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** What bash's completion function offers for the words typed so far (the last one being completed). */
function bashComplete(path: string, words: string[]): string[] {
  const array = words.map((word) => `'${word}'`).join(' ');
  const out = runShell('bash', [
    '-c',
    `source '${path}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _sealwire; printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]);
  return out.split('\n').filter((line) => line !== '');
}

test('bash: the script is valid and completes commands, sub-commands, options and choices', async () => {
  const path = await script('bash');
  runShell('bash', ['-n', path]);
  assert.deepEqual(bashComplete(path, ['sealwire', 'ag']), ['age']);
  assert.deepEqual(bashComplete(path, ['sealwire', 'age', 'en']), ['encrypt']);
  assert.deepEqual(bashComplete(path, ['sealwire', '-q', '--debug', 'age', 'de']), ['decrypt']);
  assert.ok(bashComplete(path, ['sealwire', 'age', 'encrypt', '--wo']).includes('--work-factor'));
  assert.deepEqual(bashComplete(path, ['sealwire', 'age', 'encrypt', '--no-p']), ['--no-progress']);
  // An option's value is skipped: `-o out.age` does not make "out.age" a command.
  assert.deepEqual(bashComplete(path, ['sealwire', 'age', 'encrypt', '-o', 'out.age', '--arm']), ['--armor']);
  assert.deepEqual(bashComplete(path, ['sealwire', 'keygen', '--alg', 'P']), ['P-256']);
  assert.deepEqual(bashComplete(path, ['sealwire', 'completion', 'z']), ['zsh']);
  assert.ok(bashComplete(path, ['sealwire', '']).includes('completion'));
  assert.ok(bashComplete(path, ['sealwire', 'wamp', '']).includes('subscribe'), 'other groups too');
  // A file-valued option offers nothing itself: bash's default (file names) takes over.
  assert.deepEqual(bashComplete(path, ['sealwire', 'open', '--key', '']), []);
  // Registered for the command name.
  const registered = runShell('bash', ['-c', `source '${path}'; complete -p sealwire`]);
  assert.match(registered, /-F _sealwire sealwire/);
});

test('zsh: the script is valid and offers the same completions', async () => {
  const path = await script('zsh');
  runShell('zsh', ['-n', path]);
  // The real completion system, in a pseudo-terminal: compinit, the script, a typed line, the candidates.
  const harness = new URL('./fixtures/zsh-complete.zsh', import.meta.url).pathname;
  const complete = (line: string) =>
    runShell('zsh', ['-f', harness, path, line])
      .split('\n')
      .filter((entry) => entry !== '');
  assert.deepEqual(complete('sealwire ag'), ['age']);
  assert.deepEqual(complete('sealwire age en'), ['encrypt']);
  assert.deepEqual(complete('sealwire -q --debug age de'), ['decrypt']);
  assert.ok(complete('sealwire age encrypt --wo').includes('--work-factor'));
  assert.deepEqual(complete('sealwire keygen --alg '), [
    'ES256',
    'Ed25519',
    'P-256',
    'RSA-OAEP-256',
    'X25519',
  ]);
  assert.deepEqual(complete('sealwire completion '), ['bash', 'fish', 'zsh']);
});

test('fish: the script is valid and completes commands and options', async () => {
  const path = await script('fish');
  runShell('fish', ['--no-execute', path]);
  const complete = (line: string) =>
    runShell('fish', ['-c', `source '${path}'; complete --do-complete '${line}'`])
      .split('\n')
      .map((entry) => entry.split('\t')[0])
      .filter((entry) => entry !== '');
  assert.deepEqual(complete('sealwire ag'), ['age']);
  assert.deepEqual(complete('sealwire age en'), ['encrypt']);
  assert.ok(complete('sealwire age encrypt --wo').includes('--work-factor'));
  assert.ok(complete('sealwire keygen --alg ').includes('P-256'));
  assert.ok(complete('sealwire -q age de').includes('decrypt'));
});

test('the scripts follow the tree: a command added to the program appears in them', async () => {
  const { Command } = await import('commander');
  const { completionScript } = await import('../../src/cli/completion.ts');
  const program = new Command('sealwire');
  program.command('frobnicate').option('--level <n>', 'how much');
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const text = completionScript(program, shell);
    assert.match(text, /frobnicate/, shell);
    assert.match(text, /level/, shell);
  }
});
