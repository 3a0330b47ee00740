/**
 * `sealwire wamp publish|subscribe|call|register|keygen`: a WAMP client for humans and scripts, with
 * optional end-to-end payload encryption (cryptobox, Autobahn-compatible; or JOSE). Output is JSON, one
 * line per result, event or invocation (`call --json`: one indented document); bytes appear as
 * {"$bytes": "<base64>"}. Notices (subscribed, reconnecting) go to stderr.
 *
 * Every flag is checked when the command line is read (a bad number, duration or name exits 2 with one
 * line). With keys, sending in the clear where no key covers the URI needs `--allow-clear`: a typo in a
 * topic must not publish a secret in the clear.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { encodeBase64 } from '../encoding/base64.ts';
import { ClearNotAllowedError, ErrorCodes, isSealwireError, SessionClosedError } from '../errors.ts';
import type { PrivateJwk, PublicJwk } from '../keys/index.ts';
import type {
  ClientAuth,
  ConnectOptions,
  Dict,
  PayloadCodec,
  SerializerId,
  WampClient,
} from '../wamp/index.ts';
import { PRIVATE_FILE, readFileOrExplain, UsageError, writeFileAtomic, writeOutput } from './io.ts';
import { loadPrivateKey, loadPublicKey } from './keyfile.ts';
import { choiceOption, collect, durationOption, integerOption } from './options.ts';
import { readSecret } from './secrets.ts';
import { explainConnectionError, notice, warn } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for ws, msgpackr, cbor-x, @noble
// and jose.
const loadWamp = () => import('../wamp/index.ts');
const loadJose = () => import('../seal/jose/index.ts');

const SECRET_ENV = 'SEALWIRE_WAMP_SECRET';
const SERIALIZER_NAMES = ['json', 'msgpack', 'cbor'] as const;
const AUTH_METHODS = ['anonymous', 'ticket', 'wampcra', 'cryptosign'] as const;
const MATCH_POLICIES = ['exact', 'prefix', 'wildcard'] as const;

/** A WebSocket URL, checked when the command line is read (a typo is a usage error, not a hang). */
function urlOption(text: string): string {
  if (!/^wss?:\/\/[^\s/]+/.test(text))
    throw new InvalidArgumentError('--url must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:8080/ws');
  return text;
}

/** `--kwargs`: a JSON object, checked when the command line is read. */
function kwargsOption(text: string): Dict {
  const value = parseValue(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('--kwargs must be a JSON object, e.g. \'{"a":1}\'');
  return value as Dict;
}

interface CommonOptions {
  url: string;
  realm: string;
  serializer: SerializerId;
  auth: (typeof AUTH_METHODS)[number];
  authid?: string;
  secretFile?: string;
  cryptobox?: string;
  joseTo?: string[];
  joseKey?: string;
  josePrefix: string;
  passwordFile?: string;
  allowClear?: boolean;
}

function common(command: Command): Command {
  return command
    .option(
      '--url <url>',
      'router WebSocket URL (env SEALWIRE_WAMP_URL)',
      urlOption,
      process.env.SEALWIRE_WAMP_URL ?? 'ws://127.0.0.1:8080/ws',
    )
    .option('--realm <realm>', 'realm to join', 'realm1')
    .option(
      '--serializer <name>',
      'json, msgpack or cbor',
      choiceOption('--serializer', SERIALIZER_NAMES),
      'json',
    )
    .option(
      '--auth <method>',
      'anonymous, ticket, wampcra or cryptosign',
      choiceOption('--auth', AUTH_METHODS),
      'anonymous',
    )
    .option('--authid <id>', 'authentication id (ticket, wampcra, cryptosign)')
    .option(
      '--secret-file <file>',
      `ticket, WAMP-CRA secret, or cryptosign seed (hex) file (or env ${SECRET_ENV}, or a prompt on a terminal)`,
    )
    .option(
      '--cryptobox <file>',
      'cryptobox keys (Autobahn KeyRing): JSON {"uri.prefix": {"originator_priv": ..., "responder_pub": ...}}',
    )
    .option(
      '--jose-to <pubkey>',
      'JOSE: seal outgoing payloads for this public key (repeat for several)',
      collect,
    )
    .option('--jose-key <privkey>', 'JOSE: open incoming payloads with this private key')
    .option('--jose-prefix <prefix>', 'JOSE: URI prefix the JOSE keys apply to', '')
    .option('--password-file <file>', 'password of a protected --jose-key');
}

/** `--allow-clear`, for the commands that send: with keys, clear to an uncovered URI needs it. */
function allowClear(command: Command): Command {
  return command.option(
    '--allow-clear',
    'with --cryptobox/--jose-*: allow sending in the clear where no key covers the URI (refused by default)',
  );
}

/** One positional value: JSON when it parses, else the plain string (so `hello 42` is ["hello", 42]). */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const bytesAsBase64 = (_key: string, item: unknown) =>
  item instanceof Uint8Array ? { $bytes: encodeBase64(item) } : item;

/** JSON for output: bytes as {"$bytes": base64}. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, bytesAsBase64);
}

/** The same, indented: one JSON document for `--json`. */
function toJsonDocument(value: unknown): string {
  return JSON.stringify(value, bytesAsBase64, 2);
}

/**
 * `--timeout` is the router's deadline (it cancels the call and answers wamp.error.timeout); this is ours,
 * a little later, for a router that never answers at all.
 */
async function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  const { TimeoutError } = await loadWamp();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`no answer within ${timeoutMs} ms (--timeout)`)),
      timeoutMs + 2000,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The ticket, WAMP-CRA secret or cryptosign seed: --secret-file, the environment, or a prompt on a terminal. */
function secretOf(options: CommonOptions): Promise<string> {
  return readSecret({
    noun: 'secret',
    flag: '--secret-file',
    file: options.secretFile,
    envVar: SECRET_ENV,
    prompt: `${options.auth} secret: `,
    missing: `--auth ${options.auth} needs --secret-file FILE or ${SECRET_ENV}`,
  });
}

async function authOf(options: CommonOptions): Promise<ClientAuth> {
  // The method itself was checked when the command line was read (choiceOption).
  switch (options.auth) {
    case 'anonymous':
      return options.authid === undefined
        ? { method: 'anonymous' }
        : { method: 'anonymous', authid: options.authid };
    case 'ticket':
    case 'wampcra': {
      if (options.authid === undefined) throw new UsageError(`--auth ${options.auth} needs --authid`);
      const secret = await secretOf(options);
      return options.auth === 'ticket'
        ? { method: 'ticket', authid: options.authid, ticket: secret }
        : { method: 'wampcra', authid: options.authid, secret };
    }
    case 'cryptosign': {
      const seed = await secretOf(options);
      if (!/^[0-9a-fA-F]{64}$/.test(seed))
        throw new UsageError('cryptosign needs a 32-byte Ed25519 seed as 64 hex characters');
      return options.authid === undefined
        ? { method: 'cryptosign', privateKey: seed }
        : { method: 'cryptosign', authid: options.authid, privateKey: seed };
    }
    default:
      throw new UsageError(`unknown --auth ${options.auth}: use anonymous, ticket, wampcra or cryptosign`);
  }
}

async function codecOf(options: CommonOptions): Promise<PayloadCodec | undefined> {
  const jose = (options.joseTo?.length ?? 0) > 0 || options.joseKey !== undefined;
  if (options.cryptobox !== undefined && jose)
    throw new UsageError('choose --cryptobox or the --jose-* options, not both');
  if (options.cryptobox !== undefined) {
    const spec = parseValue((await readFileOrExplain(options.cryptobox)).toString('utf8'));
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
      throw new UsageError(`${options.cryptobox} must hold a JSON object of URI prefix -> key`);
    const { CryptoboxKeyring } = await loadWamp();
    const ring = new CryptoboxKeyring();
    for (const [prefix, key] of Object.entries(spec as Record<string, unknown>)) {
      if (typeof key === 'string') ring.setKey(prefix, key);
      else if (typeof key === 'object' && key !== null) {
        const k = key as Record<string, string | undefined>;
        const keySpec: Record<string, string> = {};
        if (k.originator_priv) keySpec.originatorPriv = k.originator_priv;
        if (k.originator_pub) keySpec.originatorPub = k.originator_pub;
        if (k.responder_priv) keySpec.responderPriv = k.responder_priv;
        if (k.responder_pub) keySpec.responderPub = k.responder_pub;
        ring.setKey(prefix, keySpec);
      } else
        throw new UsageError(
          `${options.cryptobox}: key for ${prefix} must be a base64 private key or an object`,
        );
    }
    return ring;
  }
  if (jose) {
    const recipients: PublicJwk[] = await Promise.all(
      (options.joseTo ?? []).map((path) => loadPublicKey(path)),
    );
    const privateKeys: PrivateJwk[] =
      options.joseKey === undefined ? [] : [await loadPrivateKey(options.joseKey, options.passwordFile)];
    const [{ createJoseCodec }, { seal, open }] = await Promise.all([loadWamp(), loadJose()]);
    // Composition point: sealwire/wamp takes the JWE functions from sealwire/seal.
    return createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: options.josePrefix, recipients, privateKeys }] },
    );
  }
  return undefined;
}

/** The session, with reconnect notices on stderr for the long-running commands. */
async function open_(options: CommonOptions, reconnect: boolean): Promise<WampClient> {
  let joins = 0;
  let lost = false;
  const connectOptions: ConnectOptions = {
    url: options.url,
    realm: options.realm,
    serializer: options.serializer,
    auth: await authOf(options),
    reconnect: reconnect ? {} : false,
    onError: (error) => warn(error.message),
    onJoin: () => {
      if (joins++ > 0) notice('reconnected');
      lost = false;
    },
    onLeave: (reason, willReconnect, retryInMs) => {
      if (!willReconnect || retryInMs === undefined) return;
      const when = `${(retryInMs / 1000).toFixed(1)}s`;
      notice(
        lost
          ? `reconnect failed (${reason}); retrying in ${when}`
          : `connection lost (${reason}); reconnecting in ${when}`,
      );
      lost = true;
    },
  };
  if (options.allowClear === true) connectOptions.allowClear = true;
  const codec = await codecOf(options);
  if (codec !== undefined) connectOptions.payloadCodec = codec;
  const { connect } = await loadWamp();
  try {
    return await connect(connectOptions);
  } catch (error) {
    // "connection refused: is the relay running at URL?" rather than a close code.
    const explained = explainConnectionError(options.url, error);
    if (explained === undefined) throw error;
    const reason = error instanceof SessionClosedError ? error.reason : 'connect_failed';
    throw new SessionClosedError(reason, explained, { cause: error });
  }
}

/** A refusal to send clear, in the CLI's words (the library's names `allowClear`). */
function explainClear(error: unknown): never {
  if (isSealwireError(error) && error.code === ErrorCodes.CLEAR_NOT_ALLOWED) {
    const uri = error.uri;
    throw new ClearNotAllowedError(
      uri,
      `no key of --cryptobox/--jose-* covers ${uri}: refusing to send it in the clear (check the URI, or pass --allow-clear)`,
    );
  }
  throw error;
}

/**
 * One JSON line of results on stdout. Once the reader has gone (`| head -1`) nothing more is written:
 * main's handler ends the process quietly on EPIPE, and `stdoutGone` stops a long-running command.
 */
function printLine(value: unknown): void {
  if (process.stdout.destroyed || process.stdout.writableEnded) return;
  process.stdout.write(`${toJsonLine(value)}\n`);
}

/** Resolves when stdout can take no more output (its reader closed the pipe). */
function stdoutGone(): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.once('error', () => resolve());
    process.stdout.once('close', () => resolve());
  });
}

/** Resolves on SIGINT/SIGTERM (long-running commands stop cleanly). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * How a long-running command (subscribe, register) ends: after `limit` results (`--count`; none: never), on
 * a signal, or once stdout is gone. `count` records a result and says whether it was the last; `finish` then
 * ends `ended`, which is called once the command listens (it installs the signal listeners).
 */
function countedRun(limit = Number.POSITIVE_INFINITY) {
  let seen = 0;
  let finish!: () => void;
  const counted = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    reached: () => seen >= limit,
    count: () => ++seen >= limit,
    finish: () => finish(),
    ended: () => Promise.race([counted, untilSignal(), stdoutGone()]),
  };
}

export function registerWampCommands(program: Command): void {
  const wamp = program
    .command('wamp')
    .description('WAMP client: publish, subscribe, call, register (optionally end-to-end encrypted)');

  allowClear(common(wamp.command('publish')))
    .description('publish one event; ARGS are JSON values (plain words are strings)')
    .argument('<topic>', 'topic URI')
    .argument('[args...]', 'positional arguments')
    .option('--kwargs <json>', 'keyword arguments (JSON object)', kwargsOption)
    .option('--ack', 'print the publication id the router acknowledged')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp publish com.example.hello "hello world" 42\n  sealwire wamp publish com.example.secret hi --cryptobox keys.json --ack',
    )
    .action(
      async (topic: string, args: string[], options: CommonOptions & { kwargs?: Dict; ack?: boolean }) => {
        const client = await open_(options, false);
        try {
          // Always acknowledged: a refusal by the router (not authorized, invalid URI) must not pass silently.
          const publication = await client
            .publish(topic, args.map(parseValue), options.kwargs, { acknowledge: true })
            .catch(explainClear);
          if (options.ack) printLine({ publication });
        } finally {
          await client.close();
        }
      },
    );

  common(wamp.command('subscribe'))
    .description('subscribe and print one JSON line per event (until Ctrl-C or --count)')
    .argument('<topic>', 'topic URI (or pattern with --match)')
    .option('--match <policy>', 'exact, prefix or wildcard', choiceOption('--match', MATCH_POLICIES), 'exact')
    .option('--count <n>', 'exit after this many events', integerOption('--count', 1))
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp subscribe com.example.hello\n  sealwire wamp subscribe com.example. --match prefix --count 10 --serializer cbor\n  sealwire wamp subscribe com.example.hello | head -1',
    )
    .action(
      async (
        topic: string,
        options: CommonOptions & { match: (typeof MATCH_POLICIES)[number]; count?: number },
      ) => {
        const client = await open_(options, true);
        const results = countedRun(options.count);
        try {
          await client.subscribe(
            topic,
            (event) => {
              if (results.reached()) return;
              const line: Dict = {
                topic: event.topic,
                args: event.args,
                kwargs: event.kwargs,
                encrypted: event.encrypted,
              };
              if (event.keyId !== undefined) line.keyId = event.keyId;
              printLine(line);
              if (results.count()) results.finish();
            },
            { match: options.match },
          );
          notice(`subscribed to ${topic} on ${options.url}`);
          await results.ended();
        } finally {
          await client.close();
        }
      },
    );

  allowClear(common(wamp.command('call')))
    .description('call a procedure and print its result: {"args", "kwargs", "encrypted"}')
    .argument('<procedure>', 'procedure URI')
    .argument('[args...]', 'positional arguments')
    .option('--kwargs <json>', 'keyword arguments (JSON object)', kwargsOption)
    .option(
      '--timeout <duration>',
      'call timeout: 500ms, 10s, 1m (a bare number is ms)',
      durationOption('--timeout'),
    )
    .option('--json', 'print the result as one (indented) JSON document instead of one line')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp call com.example.add 2 3\n  sealwire wamp call com.example.echo 1 2 --kwargs \'{"a":1}\' --timeout 5s\n  sealwire wamp call com.example.secret --jose-to svc.pub.jwk --jose-key me.jwk',
    )
    .action(
      async (
        procedure: string,
        args: string[],
        options: CommonOptions & { kwargs?: Dict; timeout?: number; json?: boolean },
      ) => {
        const client = await open_(options, false);
        try {
          const call = client
            .call(procedure, args.map(parseValue), options.kwargs, {
              ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
            })
            .catch(explainClear);
          const result =
            options.timeout === undefined ? await call : await withDeadline(call, options.timeout);
          const out: Dict = { args: result.args, kwargs: result.kwargs, encrypted: result.encrypted };
          if (options.json) {
            if (!process.stdout.destroyed) process.stdout.write(`${toJsonDocument(out)}\n`);
          } else printLine(out);
        } finally {
          await client.close();
        }
      },
    );

  allowClear(common(wamp.command('register')))
    .description(
      'register a procedure that answers with exactly the args and kwargs it got (or --result), printing each invocation',
    )
    .argument('<procedure>', 'procedure URI')
    .option('--result <json>', 'value to return instead of echoing the arguments')
    .option('--count <n>', 'exit after this many invocations', integerOption('--count', 1))
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp register com.example.echo\n  sealwire wamp register com.example.time --result \'"noon"\' --count 1',
    )
    .action(async (procedure: string, options: CommonOptions & { result?: string; count?: number }) => {
      const fixed = options.result === undefined ? undefined : parseValue(options.result);
      const { CallResult } = await loadWamp();
      const client = await open_(options, true);
      const results = countedRun(options.count);
      try {
        await client
          .register(procedure, (invocation) => {
            printLine({
              procedure: invocation.procedure,
              args: invocation.args,
              kwargs: invocation.kwargs,
              encrypted: invocation.encrypted,
            });
            // The answer goes out when this returns; stopping waits for that turn of the loop.
            if (results.count()) setImmediate(results.finish);
            return fixed !== undefined ? fixed : new CallResult(invocation.args, invocation.kwargs);
          })
          .catch(explainClear);
        notice(`registered ${procedure} on ${options.url}`);
        await results.ended();
      } finally {
        await client.close();
      }
    });

  wamp
    .command('keygen')
    .description("make a cryptobox (X25519) key in Autobahn's base64 format")
    .option(
      '--prefix <uri>',
      'make a --cryptobox keyring file: this URI prefix -> one shared key (both sides use the same file)',
    )
    .option('-o, --output <file>', 'write it to FILE (mode 0600; never overwrites) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp keygen                        # {"privateKey": ..., "publicKey": ...}\n  sealwire wamp keygen --prefix com.example -o box.json',
    )
    .action(async (options: { prefix?: string; output?: string }) => {
      const { CryptoboxKeyring } = await loadWamp();
      const key = CryptoboxKeyring.generateKey();
      const out = options.prefix === undefined ? key : { [options.prefix]: key.privateKey };
      const text = `${JSON.stringify(out)}\n`;
      if (options.output === undefined) {
        await writeOutput(undefined, text);
        return;
      }
      // Private either way: a key pair, or a keyring whose shared key opens every payload under the prefix.
      await writeFileAtomic(
        options.output,
        text,
        PRIVATE_FILE,
        false,
        'remove it or choose another --output',
      );
      if (options.prefix === undefined) notice(`public key: ${key.publicKey}`);
    });
  // main.ts turns commander exits into exit codes for top-level commands; nested ones need it too.
  for (const command of wamp.commands) command.exitOverride();
}
