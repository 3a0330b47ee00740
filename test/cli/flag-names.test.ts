/**
 * Every `--flag` that a message or help text names must be a flag the CLI has: an error saying "use
 * --force" on a command without --force, or "raise maxPlaintextBytes" where the flag is --max-size, sends
 * the user to a dead end. Two checks:
 * - static, the whole tree: every string literal and template of every file in src/** (comments skipped)
 *   is read, and each `--flag-name` in it must be an option of some command of `buildProgram()`
 *   (commander's tree, walked), or --help;
 * - dynamic, per command: the error paths that tell the user which flag to change are run, and the flags
 *   they print must be options of the command that printed them, never a library option's name.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const root = new URL('../..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gen' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Literal {
  text: string;
  line: number;
}

/**
 * The string literals and template chunks of a TypeScript source, in order. A small scanner: quotes,
 * templates (with `${...}` nesting back into code), comments, and regular expression literals (told from a
 * division by the token before them) are the only states that matter for finding strings.
 */
export function stringLiterals(source: string): Literal[] {
  const out: Literal[] = [];
  let i = 0;
  let line = 1;
  // Each entry is the brace depth at which a template's `${` was opened.
  const templates: number[] = [];
  let depth = 0;
  let lastSignificant = '';
  const advance = (n = 1) => {
    for (let k = 0; k < n; k++) if (source[i + k] === '\n') line++;
    i += n;
  };
  const readQuoted = (quote: string) => {
    const start = line;
    let text = '';
    advance();
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') {
        text += source.slice(i, i + 2);
        advance(2);
      } else {
        text += source[i];
        advance();
      }
    }
    advance();
    out.push({ text, line: start });
  };
  /** Reads template text up to the closing backtick or a `${`; returns whether it stopped at `${`. */
  const readTemplateChunk = (): boolean => {
    const start = line;
    let text = '';
    while (i < source.length) {
      const c = source[i];
      if (c === '\\') {
        text += source.slice(i, i + 2);
        advance(2);
      } else if (c === '`') {
        advance();
        out.push({ text, line: start });
        return false;
      } else if (c === '$' && source[i + 1] === '{') {
        advance(2);
        out.push({ text, line: start });
        return true;
      } else {
        text += c;
        advance();
      }
    }
    out.push({ text, line: start });
    return false;
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') advance();
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      advance((end === -1 ? source.length : end + 2) - i);
    } else if (c === "'" || c === '"') {
      readQuoted(c);
      lastSignificant = 'x';
    } else if (c === '`') {
      advance();
      if (readTemplateChunk()) templates.push(depth);
      lastSignificant = 'x';
    } else if (c === '/' && (lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]$/.test(lastSignificant))) {
      // A regular expression literal: skip it (its text is a pattern, not a message).
      advance();
      let inClass = false;
      while (i < source.length && (inClass || source[i] !== '/') && source[i] !== '\n') {
        if (source[i] === '\\') advance();
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        advance();
      }
      advance();
      while (/[a-z]/.test(source[i] ?? '')) advance();
      lastSignificant = 'x';
    } else if (c === '{') {
      depth++;
      lastSignificant = c;
      advance();
    } else if (c === '}') {
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        advance();
        if (readTemplateChunk()) templates.push(depth);
        lastSignificant = 'x';
      } else {
        depth--;
        lastSignificant = c;
        advance();
      }
    } else {
      if (!/\s/.test(c)) {
        // Words count as one token: `return /x/` is a regex, `a / b` a division.
        lastSignificant = /[A-Za-z0-9_$)\]]/.test(c) ? 'x' : c;
        if (/[A-Za-z_$]/.test(c)) {
          let word = '';
          while (/[A-Za-z0-9_$]/.test(source[i] ?? '')) {
            word += source[i];
            advance();
          }
          lastSignificant = ['return', 'typeof', 'case', 'in', 'of', 'void', 'throw'].includes(word)
            ? '('
            : 'x';
          continue;
        }
      }
      advance();
    }
  }
  return out;
}

// `--jose-*` names a family of flags: it needs at least one flag of that prefix.
const FLAG = /(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:-\*)?/g;

function exists(flag: string, known: Set<string>): boolean {
  if (!flag.endsWith('-*')) return known.has(flag);
  const prefix = flag.slice(0, -1);
  return [...known].some((name) => name.startsWith(prefix));
}

function cliFlags(program: Command): Set<string> {
  const flags = new Set<string>(['--help']);
  const visit = (command: Command) => {
    for (const option of command.options) if (option.long !== undefined) flags.add(option.long);
    for (const child of command.commands) visit(child);
  };
  visit(program);
  return flags;
}

test('the scanner finds strings and templates, and skips comments and regular expressions', () => {
  const found = stringLiterals(
    [
      "// a comment with '--in-comment'",
      "const a = 'one --alpha'; /* '--block' */",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the scanner's input is source text with templates
      'const b = `t --beta ${x ? "--gamma" : `n --delta ${y}`} e --epsilon`;',
      "const r = /--regex/.test(s) ? 1 / 2 : '--zeta';",
      "return /'--in-regex'/;",
      "const w = 'the --jose-* options';",
    ].join('\n'),
  ).map((literal) => literal.text);
  const flags = found.join(' ').match(FLAG) ?? [];
  assert.deepEqual(flags, ['--alpha', '--beta', '--gamma', '--delta', '--epsilon', '--zeta', '--jose-*']);
});

test('every --flag named in src/** strings exists as an option of some sealwire command', () => {
  const known = cliFlags(buildProgram());
  assert.ok(known.has('--max-size') && known.has('--force') && known.has('--version'), 'the tree was walked');
  const unknown: string[] = [];
  let mentions = 0;
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const literal of stringLiterals(readFileSync(file, 'utf8'))) {
      for (const flag of literal.text.match(FLAG) ?? []) {
        mentions++;
        if (!exists(flag, known))
          unknown.push(
            `${relative(root, file)}:${literal.line}: ${flag} in ${JSON.stringify(literal.text.slice(0, 100))}`,
          );
      }
    }
  }
  assert.ok(mentions > 100, `only ${mentions} flag mentions found: is the scanner broken?`);
  assert.deepEqual(unknown, [], `flags named in messages that no command has:\n${unknown.join('\n')}`);
});

/** Options of the command at `path` (`['age', 'keygen']`) plus the program's global ones. */
function optionsOf(program: Command, path: string[]): Set<string> {
  let command = program;
  for (const name of path) {
    const child = command.commands.find((candidate) => candidate.name() === name);
    assert.ok(child, `no command ${path.join(' ')}`);
    command = child;
  }
  return new Set(['--help', ...[...program.options, ...command.options].flatMap((o) => o.long ?? [])]);
}

test('the flags an error tells the user to change belong to the command that printed it', async () => {
  const program = buildProgram();
  const dir = scratch('flag-names');
  const at = (name: string) => join(dir, name);
  writeFileSync(at('pw.txt'), 'pw\n');
  writeFileSync(at('data'), '12345');
  assert.equal((await sealwire(['keygen', '--out', at('x')])).code, 0);
  assert.equal((await sealwire(['age', 'keygen', '-o', at('age.txt')])).code, 0);
  const sealed = (await sealwire(['seal', '--to', at('x.pub.jwk'), '--in', at('data')])).stdout;
  const scrypted = await sealwire([
    'age',
    'encrypt',
    '-p',
    '--passphrase-file',
    at('pw.txt'),
    '--work-factor',
    '12',
    '-o',
    at('pw.age'),
    at('data'),
  ]);
  assert.equal(scrypted.code, 0, scrypted.stderr);
  const scenarios: { path: string[]; args: string[]; input?: Uint8Array; names: RegExp }[] = [
    { path: ['age', 'keygen'], args: ['-o', at('age.txt')], names: /--output/ },
    { path: ['age', 'keygen'], args: ['-y', '-o', at('age.txt'), at('age.txt')], names: /--output/ },
    { path: ['keygen'], args: ['--out', at('x')], names: /--force/ },
    { path: ['open'], args: ['--key', at('x.jwk'), '--max-size', '4'], input: sealed, names: /--max-size/ },
    {
      path: ['age', 'decrypt'],
      args: ['--passphrase-file', at('pw.txt'), '--max-work-factor', '10', at('pw.age')],
      names: /--max-work-factor/,
    },
    {
      path: ['age', 'encrypt'],
      args: ['-r', 'age1unused', '--sign', at('x.jwk'), '-a', at('data')],
      names: /--signature-out/,
    },
  ];
  for (const { path, args, input, names } of scenarios) {
    const result = await sealwire([...path, ...args], input === undefined ? {} : { input });
    const label = `${path.join(' ')} ${args.join(' ')}`;
    assert.notEqual(result.code, 0, label);
    assert.match(result.stderr, names, `${label}: ${result.stderr}`);
    const known = optionsOf(program, path);
    for (const flag of result.stderr.match(FLAG) ?? [])
      assert.ok(
        known.has(flag),
        `${label}: names ${flag}, which \`sealwire ${path.join(' ')}\` does not have`,
      );
    assert.doesNotMatch(
      result.stderr,
      /\bmax[A-Z][A-Za-z]+\b/,
      `${label}: a library option name, not a flag`,
    );
  }
});
