/**
 * Runs the code blocks of a Markdown page the way a reader does: top to bottom, in one directory of their
 * own, one shell whose variables carry over from block to block, extra terminals for the commands that keep
 * running (a relay, a subscriber, a service). Used by examples.test.ts (docs/*.md) and new-user.test.ts
 * (README.md, against an installed `sealwire`).
 *
 * What a fence's language means (the words after it are for this runner only; GitHub shows none of them):
 *
 * | fence                         | what happens                                                                    |
 * | ----------------------------- | ------------------------------------------------------------------------------- |
 * | `sh`, `bash`, `shell`         | run with `bash -euo pipefail`; must exit 0                                      |
 * | `ts`, `typescript`            | run with tsx (Node, the package's own imports); must exit 0                     |
 * | `python`                      | run with Debian's python3 (/usr/bin/python3, where the peers are); must exit 0 |
 * | `yaml`, `yml`                 | a relay configuration: validated by the relay's own loader                      |
 * | `json`                        | parsed                                                                          |
 * | `proto`                       | each message must be the one of that name in the repository's proto/ tree      |
 * | `text`, `txt`, `output`       | not a command (output samples, diagrams, synopses): nothing to run              |
 * | none, or anything else        | a failure: say what the block is                                                |
 *
 * Shell lines are run in the reader's directory, except the checkout's own tasks (`npm install`, `npm ci`,
 * `npm start`, `npm test`, `npm run SCRIPT` for a script of package.json other than `sealwire`), which run in
 * the checkout. A line that starts something that keeps running (`npm start`, `sealwire relay`, `sealwire
 * wamp subscribe|register`, `sealwire service start`) runs in a terminal of its own: the runner waits until
 * it is ready and lets it run until the page ends. `# terminal N` on such a line (or "Terminal N" in the text
 * before the block) names the terminal, and text after a block saying "Terminal N prints `X`" is checked:
 * that terminal must print X. The documented ports, 8080 (the relay) and 4222 (NATS), become free ports (in
 * the code, and through SEALWIRE_RELAY_PORT and SEALWIRE_WAMP_URL); nothing else in a block is changed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export interface Block {
  /** The page, relative to the repository (`docs/age.md`). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** Words after the language in the fence. */
  attrs: string[];
  code: string;
  /** Prose between the previous block and this one. */
  before: string;
  /** Prose between this block and the next one. */
  after: string;
}

/** The fenced code blocks of a Markdown file (indented fences, inside list items, included). */
export function readBlocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!fence) {
      prose.push(lines[i]!);
      continue;
    }
    const indent = fence[1]!.length;
    const [lang = '', ...attrs] = fence[2]!.trim().split(/\s+/).filter(Boolean);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    const previous = blocks.at(-1);
    if (previous) previous.after = prose.join('\n');
    blocks.push({
      file,
      line: start + 1,
      lang,
      attrs,
      code: body.join('\n'),
      before: prose.join('\n'),
      after: '',
    });
    prose = [];
  }
  const last = blocks.at(-1);
  if (last) last.after = prose.join('\n');
  return blocks;
}

export const NOT_COMMANDS: ReadonlySet<string> = new Set(['text', 'txt', 'output']);
const SHELL: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);
const TYPESCRIPT: ReadonlySet<string> = new Set(['ts', 'typescript']);

/** Commands that keep running, and what they print once they are ready. */
const LONG_RUNNING: { pattern: RegExp; ready: RegExp }[] = [
  { pattern: /(^|[;&|(]\s*)npm\s+start\b/, ready: /relay listening/ },
  { pattern: /\bsealwire\s+relay\b/, ready: /relay listening/ },
  { pattern: /\bsealwire(\s+--)?\s+wamp\s+subscribe\b/, ready: /subscribed to/ },
  { pattern: /\bsealwire(\s+--)?\s+wamp\s+register\b/, ready: /registered / },
  { pattern: /\bsealwire(\s+--)?\s+service\s+start\b/, ready: /Fingerprint=/ },
  { pattern: /(^|[;&|(]\s*)nats-server\b/, ready: /Server is ready/ },
];

/** Ports the docs name, each replaced by a free one in every session. */
const DOCUMENTED_PORTS = [8080, 4222] as const;

/** `npm` commands that are the checkout's own tasks (run there), as opposed to the reader's commands. */
export function isCheckoutTask(line: string): boolean {
  const match = /^\s*(?:\w+=\S*\s+)*npm\s+(install|i|ci|start|test|run(?:-script)?)\b(.*)$/.exec(line);
  if (!match) return false;
  if (!match[1]!.startsWith('run')) return true;
  const script = match[2]!
    .replace(/\s-s\b|\s--silent\b/g, ' ')
    .trim()
    .split(/\s+/)[0];
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  return script !== undefined && script !== 'sealwire' && script in scripts;
}

function stripComment(line: string): string {
  // Good enough for documentation: a `#` after whitespace, outside quotes, starts a comment.
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Terminal {
  name: string;
  command: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export interface SessionOptions {
  /** A label for temporary names. */
  name: string;
  /** Prepended to PATH (where `sealwire` comes from). */
  bin: string;
  /** Where the checkout's own tasks run. */
  checkout: string;
  /** Extra environment for the checkout's tasks (e.g. to keep them from changing a shared checkout). */
  checkoutEnv?: NodeJS.ProcessEnv;
  /** Rewrites a checkout task before it runs (e.g. `npm test` inside the test suite). */
  rewriteCheckoutTask?: (line: string) => string;
  /** Runs a TypeScript block in `cwd`; default: tsx from the checkout's source. */
  runTypeScript?: (code: string, session: Session, block: Block) => { command: string; args: string[] };
}

/** One reader working through one page: their directory, their shell variables, their terminals. */
export class Session {
  readonly dir: string;
  /** The relay's port (documented as 8080). */
  readonly port: number;
  readonly #ports: Map<number, number>;
  readonly env: NodeJS.ProcessEnv;
  readonly options: SessionOptions;
  readonly terminals: Terminal[] = [];
  readonly #state: string;
  #tsDir: string | undefined;
  #blocks = 0;
  /** Variables the blocks set, as the reader's shell would keep them. */
  readonly #vars: Record<string, string> = {};

  private constructor(options: SessionOptions, ports: Map<number, number>) {
    this.options = options;
    this.#ports = ports;
    const port = ports.get(8080)!;
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), `x-sealwire-${options.name}-`));
    this.#state = mkdtempSync(join(tmpdir(), `sealwire-doc-state-${options.name}-`));
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The child processes are programs of their own, not subtests of the running test file.
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    this.env = {
      ...env,
      PATH: `${options.bin}:${process.env.PATH}`,
      NO_COLOR: '1',
      SEALWIRE_RELAY_PORT: String(port),
      SEALWIRE_WAMP_URL: `ws://127.0.0.1:${port}/ws`,
    };
  }

  static async create(options: SessionOptions): Promise<Session> {
    const ports = new Map<number, number>();
    for (const documented of DOCUMENTED_PORTS) ports.set(documented, await freePort());
    return new Session(options, ports);
  }

  /** The block's code as it runs: the relay's documented port replaced by this session's. */
  code(block: Block): string {
    return block.code.replace(/\b(8080|4222)\b/g, (port) => String(this.#ports.get(Number(port))));
  }

  async run(block: Block): Promise<void> {
    this.#blocks++;
    const lang = block.lang.toLowerCase();
    if (SHELL.has(lang)) await this.#shell(block);
    else if (TYPESCRIPT.has(lang)) await this.#typescript(block);
    else if (lang === 'python') await this.#python(block);
    else if (lang === 'yaml' || lang === 'yml') await checkRelayConfig(block);
    else if (lang === 'json') JSON.parse(block.code);
    else if (lang === 'proto') checkProto(block);
    else if (NOT_COMMANDS.has(lang)) return;
    else if (lang === '')
      assert.fail(
        `${where(block)}: a block without a language: mark it (sh, ts, text for output, yaml, ...)`,
      );
    else assert.fail(`${where(block)}: no runner for \`${lang}\` blocks (see test/docs/blocks.ts)`);
    await this.#checkPrints(block);
  }

  /** What the blocks left in the reader's directory (top level). */
  written(): string[] {
    // Directories with a slash, as .gitignore names them.
    return readdirSync(this.dir, { withFileTypes: true })
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort();
  }

  async close(): Promise<void> {
    for (const terminal of this.terminals.reverse()) await stop(terminal);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.#state, { recursive: true, force: true });
    if (this.#tsDir) rmSync(this.#tsDir, { recursive: true, force: true });
  }

  /** A directory inside the checkout for TypeScript blocks, so their imports resolve as in the repository. */
  tsDir(): string {
    this.#tsDir ??= mkdtempSync(join(root, `.tmp-doc-${this.options.name}-`));
    return this.#tsDir;
  }

  async #shell(block: Block): Promise<void> {
    const code = this.code(block);
    const lines = joinContinuations(code.split('\n'));
    const special = lines.some(
      (line) => longRunning(stripComment(line)) || isCheckoutTask(stripComment(line)),
    );
    if (!special) {
      await this.#foreground(block, code, this.dir, this.env);
      return;
    }
    for (const line of lines) {
      const command = stripComment(line).trim();
      if (command === '') continue;
      const checkout = isCheckoutTask(command);
      const script =
        checkout && this.options.rewriteCheckoutTask ? this.options.rewriteCheckoutTask(command) : command;
      const cwd = checkout ? this.options.checkout : this.dir;
      if (cwd === root && /\bnpm\s+(install|ci|i)\b/.test(script))
        assert.fail(`${where(block)}: refusing to run \`${script}\` in the shared checkout`);
      const env = checkout ? { ...this.env, ...this.options.checkoutEnv } : this.env;
      const ready = longRunning(command);
      if (ready) await this.#background(block, line, script, cwd, env, ready);
      else await this.#foreground(block, script, cwd, env);
    }
  }

  /**
   * The reader's shell: every variable a block sets (`set -a` exports it) is kept and set again for the
   * blocks after it. Only what the blocks set: the environment the runner gives each command stays its own.
   */
  #script(code: string, dump: string | undefined): string {
    return [
      'set -euo pipefail',
      'set -a',
      code,
      dump === undefined ? '' : `env -0 > ${JSON.stringify(dump)}`,
    ].join('\n');
  }

  #env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return { ...base, ...this.#vars };
  }

  async #foreground(block: Block, code: string, cwd: string, base: NodeJS.ProcessEnv): Promise<void> {
    const timeoutMs = /\bnpm\s+(install|ci|test)\b/.test(code) ? 300_000 : 120_000;
    const dump = join(this.#state, `env-${this.#blocks}-${Date.now()}`);
    const env = this.#env(base);
    const result = await execute('bash', ['-c', this.#script(code, dump)], { cwd, env, timeoutMs });
    assert.equal(
      result.code,
      0,
      `${where(block)}: exit ${result.code}${result.timedOut ? ' (timed out)' : ''} running\n${code}\n--- output ---\n${result.output.slice(-4000)}`,
    );
    if (!existsSync(dump)) return;
    for (const entry of readFileSync(dump, 'utf8').split('\0')) {
      const equals = entry.indexOf('=');
      if (equals <= 0) continue;
      const name = entry.slice(0, equals);
      const value = entry.slice(equals + 1);
      if (['PWD', 'OLDPWD', 'SHLVL', '_'].includes(name) || env[name] === value) continue;
      this.#vars[name] = value;
    }
    rmSync(dump);
  }

  async #background(
    block: Block,
    line: string,
    code: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    ready: RegExp,
  ): Promise<void> {
    const named =
      /terminal\s+(\d+)/i.exec(line)?.[1] ?? [...block.before.matchAll(/Terminal (\d+)/g)].at(-1)?.[1];
    const name = named ?? `background ${this.terminals.length + 1}`;
    // detached: the terminal's process group (npm, its shell, node) is ours to stop.
    const child = spawn('bash', ['-c', this.#script(code, undefined)], {
      cwd,
      env: this.#env(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const terminal: Terminal = { name, command: code, child, output: () => text, exited };
    this.terminals.push(terminal);
    let done = false;
    void exited.then(() => (done = true));
    const limit = Date.now() + (/\bnpm\s+(install|ci)\b/.test(code) ? 300_000 : 60_000);
    while (!ready.test(text) && !done && Date.now() < limit) await sleep(50);
    assert.ok(
      ready.test(text),
      `${where(block)}: terminal ${name} (${code}) ${done ? `exited (${child.exitCode})` : 'never got ready'}\n--- output ---\n${text.slice(-4000)}`,
    );
  }

  async #typescript(block: Block): Promise<void> {
    const code = this.code(block);
    const { command, args } = this.options.runTypeScript
      ? this.options.runTypeScript(code, this, block)
      : this.#sourceTypeScript(code, block);
    const result = await execute(command, args, {
      cwd: this.dir,
      env: this.#env(this.env),
      timeoutMs: 90_000,
    });
    assert.equal(
      result.code,
      0,
      `${where(block)}: exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\n--- output ---\n${result.output.slice(-4000)}`,
    );
  }

  #sourceTypeScript(code: string, block: Block): { command: string; args: string[] } {
    const file = join(this.tsDir(), `block-${block.line}-${this.#blocks}.ts`);
    writeFileSync(file, code);
    return {
      command: process.execPath,
      args: [
        '--conditions=sealwire-source',
        '--import',
        join(root, 'node_modules/tsx/dist/loader.mjs'),
        file,
      ],
    };
  }

  async #python(block: Block): Promise<void> {
    const file = join(this.#state, `block-${block.line}.py`);
    writeFileSync(file, this.code(block));
    // Debian's python3, where the interop peers (Autobahn|Python, ...) are installed.
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const result = await execute(python, [file], {
      cwd: this.dir,
      env: { ...this.env, PYTHONDONTWRITEBYTECODE: '1' },
      timeoutMs: 30_000,
    });
    assert.equal(
      result.code,
      0,
      `${where(block)}: exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\n--- output ---\n${result.output.slice(-4000)}`,
    );
  }

  /** "Terminal N prints `X`" after a block: terminal N must print X. */
  async #checkPrints(block: Block): Promise<void> {
    for (const match of block.after.matchAll(/Terminal (\d+) prints `([^`]+)`/g)) {
      const [, name, expected] = match;
      const terminal = this.terminals.find((entry) => entry.name === name);
      assert.ok(
        terminal,
        `${where(block)}: the text says terminal ${name} prints something, but no block runs in it`,
      );
      const limit = Date.now() + 20_000;
      while (!terminal.output().includes(expected!) && Date.now() < limit) await sleep(50);
      assert.ok(
        terminal.output().includes(expected!),
        `${where(block)}: terminal ${name} (${terminal.command}) should print ${expected}\n--- output ---\n${terminal.output().slice(-4000)}`,
      );
    }
  }
}

/** Names (relative to the checkout) that its .gitignore does not cover. */
export function notIgnored(names: string[]): string[] {
  return names.filter((name) => {
    const result = spawnSync('git', ['check-ignore', '--no-index', '-q', name], { cwd: root });
    return result.status !== 0;
  });
}

export function where(block: Block): string {
  return `${block.file}:${block.line}`;
}

function longRunning(command: string): RegExp | undefined {
  return LONG_RUNNING.find((entry) => entry.pattern.test(command))?.ready;
}

function joinContinuations(lines: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      out.push(current + line);
      current = '';
    }
  }
  if (current !== '') out.push(current);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function execute(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; input?: string },
): Promise<{ code: number | null; output: string; stdout: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever the command left running in its group (a `&` in a block) ends with it.
      killGroup(child, 'SIGKILL');
      resolve({ code, output, stdout, timedOut });
    });
    // A command that never reads its stdin may exit before the (empty) input is written: that EPIPE is not
    // the command's failure, its exit status says how it went.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

async function stop(terminal: Terminal): Promise<void> {
  if (terminal.child.exitCode === null && terminal.child.signalCode === null) {
    killGroup(terminal.child, 'SIGTERM');
    const stopped = await Promise.race([terminal.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) killGroup(terminal.child, 'SIGKILL');
  }
  killGroup(terminal.child, 'SIGKILL');
}

/** A `yaml` block is a relay configuration (or a part of one): the relay's loader must accept it. */
async function checkRelayConfig(block: Block): Promise<void> {
  const { parseConfigText, validateConfig } = await import('../../src/relay/config.ts');
  // Secrets named by `...Env` keys are set, as the reader would set them before starting the relay.
  const env = new Proxy({} as Record<string, string>, {
    get: (_, key) => (typeof key === 'string' ? 'doc-example-secret' : undefined),
  });
  try {
    validateConfig(parseConfigText(block.code, `${block.file}.yaml`), env);
  } catch (error) {
    assert.fail(`${where(block)}: the relay refuses this configuration: ${(error as Error).message}`);
  }
}

/** Messages of a `proto` block must be those of the same name in the repository's proto/ tree. */
function checkProto(block: Block): void {
  const messages = (text: string) => {
    const found = new Map<string, string>();
    const clean = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const match of clean.matchAll(/\bmessage\s+(\w+)\s*\{([^{}]*)\}/g))
      found.set(match[1]!, match[2]!.replace(/\s+/g, ' ').trim());
    return found;
  };
  const repository = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.proto'))
        for (const [key, value] of messages(readFileSync(path, 'utf8'))) repository.set(key, value);
    }
  };
  walk(join(root, 'proto'));
  const documented = messages(block.code);
  assert.ok(documented.size > 0, `${where(block)}: a proto block without a message`);
  for (const [name, body] of documented) {
    assert.ok(
      repository.has(name),
      `${where(block)}: message ${name} is not in the repository's proto/ tree`,
    );
    assert.equal(
      body,
      repository.get(name),
      `${where(block)}: message ${name} differs from the repository's`,
    );
  }
  for (const match of block.code.matchAll(/^import\s+"([^"]+)";/gm))
    assert.ok(
      existsSync(join(root, 'proto', match[1]!)),
      `${where(block)}: imports ${match[1]}, not in proto/`,
    );
}

/** The Markdown pages the runners cover. */
export function docPages(): string[] {
  return readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
}
