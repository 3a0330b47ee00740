/**
 * `sealwire wamp publish|subscribe|call|register|keygen`: a WAMP client for humans and scripts, with
 * optional end-to-end payload encryption (cryptobox, Autobahn-compatible; or JOSE). Output is JSON, one
 * line per event or invocation; bytes appear as {"$bytes": "<base64>"}.
 */
import type { Command } from 'commander';
import type { PrivateJwk, PublicJwk } from '../keys/index.ts';
import type {
  ClientAuth,
  ConnectOptions,
  Dict,
  PayloadCodec,
  SerializerId,
  WampClient,
} from '../wamp/index.ts';
import { readFileOrExplain, UsageError } from './io.ts';
import { loadPrivateKey, loadPublicKey } from './keyfile.ts';

// Loaded on first use, so that --help and the other commands do not pay for ws, msgpackr, cbor-x, @noble
// and jose.
const loadWamp = () => import('../wamp/index.ts');
const loadJose = () => import('../seal/jose/index.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];
const SECRET_ENV = 'SEALWIRE_WAMP_SECRET';

interface CommonOptions {
  url: string;
  realm: string;
  serializer: string;
  auth: string;
  authid?: string;
  secretFile?: string;
  cryptobox?: string;
  joseTo?: string[];
  joseKey?: string;
  josePrefix: string;
  passwordFile?: string;
}

function common(command: Command): Command {
  return command
    .option(
      '--url <url>',
      'router WebSocket URL (env SEALWIRE_WAMP_URL)',
      process.env.SEALWIRE_WAMP_URL ?? 'ws://127.0.0.1:8080/ws',
    )
    .option('--realm <realm>', 'realm to join', 'realm1')
    .option('--serializer <name>', 'json, msgpack or cbor', 'json')
    .option('--auth <method>', 'anonymous, ticket, wampcra or cryptosign', 'anonymous')
    .option('--authid <id>', 'authentication id (ticket, wampcra, cryptosign)')
    .option(
      '--secret-file <file>',
      `ticket, WAMP-CRA secret, or cryptosign seed (hex) file (or env ${SECRET_ENV})`,
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

/** One positional value: JSON when it parses, else the plain string (so `hello 42` is ["hello", 42]). */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseKwargs(text: string | undefined): Dict | undefined {
  if (text === undefined) return undefined;
  const value = parseValue(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--kwargs must be a JSON object');
  return value as Dict;
}

/** JSON for output: bytes as {"$bytes": base64}. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, item) =>
    item instanceof Uint8Array ? { $bytes: Buffer.from(item).toString('base64') } : item,
  );
}

async function secretOf(options: CommonOptions): Promise<string> {
  if (options.secretFile !== undefined)
    return (await readFileOrExplain(options.secretFile)).toString('utf8').trim();
  const env = process.env[SECRET_ENV];
  if (env !== undefined && env !== '') return env;
  throw new UsageError(`--auth ${options.auth} needs --secret-file FILE or ${SECRET_ENV}`);
}

async function authOf(options: CommonOptions): Promise<ClientAuth> {
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
    const { KeyRing } = await loadWamp();
    const ring = new KeyRing();
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

async function open_(options: CommonOptions, reconnect: boolean): Promise<WampClient> {
  if (!['json', 'msgpack', 'cbor'].includes(options.serializer))
    throw new UsageError(`unknown --serializer ${options.serializer}: use json, msgpack or cbor`);
  const connectOptions: ConnectOptions = {
    url: options.url,
    realm: options.realm,
    serializer: options.serializer as SerializerId,
    auth: await authOf(options),
    reconnect: reconnect ? {} : false,
    onError: (error) => process.stderr.write(`sealwire: ${error.message}\n`),
  };
  const codec = await codecOf(options);
  if (codec !== undefined) connectOptions.payloadCodec = codec;
  const { connect } = await loadWamp();
  return connect(connectOptions);
}

/** Resolves on SIGINT/SIGTERM (long-running commands stop cleanly). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function registerWampCommands(program: Command): void {
  const wamp = program
    .command('wamp')
    .description('WAMP client: publish, subscribe, call, register (optionally end-to-end encrypted)');

  common(wamp.command('publish'))
    .description('publish one event; ARGS are JSON values (plain words are strings)')
    .argument('<topic>', 'topic URI')
    .argument('[args...]', 'positional arguments')
    .option('--kwargs <json>', 'keyword arguments (JSON object)')
    .option('--ack', 'wait for the router to acknowledge (and report errors)')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp publish com.example.hello "hello world" 42\n  sealwire wamp publish com.example.secret hi --cryptobox keys.json --ack',
    )
    .action(
      async (topic: string, args: string[], options: CommonOptions & { kwargs?: string; ack?: boolean }) => {
        const client = await open_(options, false);
        try {
          const publication = await client.publish(topic, args.map(parseValue), parseKwargs(options.kwargs), {
            acknowledge: true,
          });
          if (options.ack) process.stdout.write(`${toJsonLine({ publication })}\n`);
        } finally {
          await client.close();
        }
      },
    );

  common(wamp.command('subscribe'))
    .description('subscribe and print one JSON line per event (until Ctrl-C or --count)')
    .argument('<topic>', 'topic URI (or pattern with --match)')
    .option('--match <policy>', 'exact, prefix or wildcard', 'exact')
    .option('--count <n>', 'exit after this many events')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp subscribe com.example.hello\n  sealwire wamp subscribe com.example. --match prefix --count 10 --serializer cbor',
    )
    .action(async (topic: string, options: CommonOptions & { match: string; count?: string }) => {
      if (!['exact', 'prefix', 'wildcard'].includes(options.match))
        throw new UsageError('--match must be exact, prefix or wildcard');
      const limit = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count);
      if (!(limit > 0)) throw new UsageError('--count must be a positive number');
      const client = await open_(options, true);
      let seen = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      await client.subscribe(
        topic,
        (event) => {
          const line: Dict = {
            topic: event.topic,
            args: event.args,
            kwargs: event.kwargs,
            encrypted: event.encrypted,
          };
          if (event.keyId !== undefined) line.keyId = event.keyId;
          process.stdout.write(`${toJsonLine(line)}\n`);
          if (++seen >= limit) done();
        },
        { match: options.match as 'exact' | 'prefix' | 'wildcard' },
      );
      process.stderr.write(`subscribed to ${topic} on ${options.url}\n`);
      await Promise.race([finished, untilSignal()]);
      await client.close();
    });

  common(wamp.command('call'))
    .description('call a procedure and print the result as JSON')
    .argument('<procedure>', 'procedure URI')
    .argument('[args...]', 'positional arguments')
    .option('--kwargs <json>', 'keyword arguments (JSON object)')
    .option('--timeout <ms>', 'router-side call timeout')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp call com.example.add 2 3\n  sealwire wamp call com.example.secret --jose-to svc.pub.jwk --jose-key me.jwk',
    )
    .action(
      async (
        procedure: string,
        args: string[],
        options: CommonOptions & { kwargs?: string; timeout?: string },
      ) => {
        const client = await open_(options, false);
        try {
          const result = await client.call(procedure, args.map(parseValue), parseKwargs(options.kwargs), {
            ...(options.timeout === undefined ? {} : { timeout: Number(options.timeout) }),
          });
          process.stdout.write(
            `${toJsonLine({ args: result.args, kwargs: result.kwargs, encrypted: result.encrypted })}\n`,
          );
        } finally {
          await client.close();
        }
      },
    );

  common(wamp.command('register'))
    .description('register a procedure that returns its arguments (or --result), printing each invocation')
    .argument('<procedure>', 'procedure URI')
    .option('--result <json>', 'value to return instead of echoing the arguments')
    .option('--count <n>', 'exit after this many invocations')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp register com.example.echo\n  sealwire wamp register com.example.time --result \'"noon"\' --count 1',
    )
    .action(async (procedure: string, options: CommonOptions & { result?: string; count?: string }) => {
      const limit = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count);
      if (!(limit > 0)) throw new UsageError('--count must be a positive number');
      const fixed = options.result === undefined ? undefined : parseValue(options.result);
      const client = await open_(options, true);
      let seen = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      await client.register(procedure, (invocation) => {
        process.stdout.write(
          `${toJsonLine({ procedure: invocation.procedure, args: invocation.args, kwargs: invocation.kwargs, encrypted: invocation.encrypted })}\n`,
        );
        if (++seen >= limit) setTimeout(done, 50);
        return fixed !== undefined
          ? fixed
          : invocation.args.length === 1
            ? invocation.args[0]
            : invocation.args;
      });
      process.stderr.write(`registered ${procedure} on ${options.url}\n`);
      await Promise.race([finished, untilSignal()]);
      await client.close();
    });

  wamp
    .command('keygen')
    .description("make a cryptobox (X25519) key in Autobahn's base64 format")
    .option(
      '--prefix <uri>',
      'print a --cryptobox keyring file: this URI prefix -> one shared key (both sides use the same file)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire wamp keygen                        # {"privateKey": ..., "publicKey": ...}\n  sealwire wamp keygen --prefix com.example > box.json',
    )
    .action(async (options: { prefix?: string }) => {
      const { KeyRing } = await loadWamp();
      const key = KeyRing.generateKey();
      const out = options.prefix === undefined ? key : { [options.prefix]: key.privateKey };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
  // main.ts turns commander exits into exit codes for top-level commands; nested ones need it too.
  for (const command of wamp.commands) command.exitOverride();
}
