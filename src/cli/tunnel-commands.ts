/**
 * `sealwire service ...` (a tunneled service) and `sealwire call` (a client of one).
 *
 * `service start` runs until stopped: it outlives relay restarts (the connector reconnects for as long as it
 * runs, one stderr line per attempt), and ends on SIGINT / SIGTERM with 130 / 143, as a shell reports a
 * process that a signal ended. Everything that can be checked without the relay (flags, the --handlers
 * module, the admin password's strength on first start) is checked before anything is created.
 */
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { encodeBase64 } from '../encoding/base64.ts';
import { AlreadyRunningError, SealwireError } from '../errors.ts';
import type { RetryEvent, RpcHandler } from '../tunnel/index.ts';
import { isStdinPath, readFileOrExplain, UsageError, writeOutput } from './io.ts';
import { booleanOption, durationOption } from './options.ts';
import { askHidden, readSecret } from './secrets.ts';
import { explainConnectionError, notice, warn } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for @peculiar/x509, ws and jose.
const loadTunnel = () => import('../tunnel/index.ts');

export const ADMIN_PASSWORD_ENV = 'SEALWIRE_ADMIN_PASSWORD';

/**
 * The admin password from --admin-password-file, the environment, or a hidden prompt on a terminal. A new
 * service on a terminal is asked twice (and told why a weak answer is refused); the strength rule itself is
 * enforced where the data directory is created, so it applies to the file and the environment too.
 */
async function adminPassword(file: string | undefined, creating = false): Promise<string> {
  const noun = 'admin password';
  const missing = `the admin password is needed: pass --admin-password-file FILE or set ${ADMIN_PASSWORD_ENV}`;
  const fromEnv = file === undefined && Boolean(process.env[ADMIN_PASSWORD_ENV]);
  // Typed at a terminal (no file and no environment, or the file is stdin): a new one is asked twice.
  const typed = process.stdin.isTTY === true && (file === undefined ? !fromEnv : isStdinPath(file));
  if (creating && typed) {
    const { chooseAdminPassword } = await loadTunnel();
    return chooseAdminPassword(
      (prompt) => askHidden(prompt, { noun, missing }),
      (line) => process.stderr.write(`sealwire: ${line}\n`),
    );
  }
  return readSecret({
    noun,
    flag: '--admin-password-file',
    file,
    envVar: ADMIN_PASSWORD_ENV,
    prompt: 'admin password: ',
    missing,
  });
}

/** A relay URL: ws:// or wss:// (http:// and https:// are taken as their WebSocket twins). */
function relayUrlOption(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url === undefined || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol) || url.host === '') {
    throw new InvalidArgumentError('--relay must be a ws:// or wss:// URL such as ws://127.0.0.1:8080');
  }
  return text;
}

/**
 * Checked in the action, once the tunnel module is loaded (its id pattern is the one rule; importing it at
 * startup would load a capability for every `--help`): still a usage error naming the flag.
 */
function checkServiceId(flag: string, id: string | undefined, pattern: RegExp): void {
  if (id !== undefined && !pattern.test(id)) {
    throw new UsageError(
      `${flag} must be a service id: lower-case letters, digits and dashes, 1 to 63 of them (e.g. lab-1), got ${JSON.stringify(id)}`,
    );
  }
}

/** A token lifetime in whole seconds (tokens carry `exp` in seconds). */
function ttlOption(text: string): number {
  const ms = durationOption('--ttl', 's')(text);
  if (ms < 1000) throw new InvalidArgumentError('--ttl must be at least 1 second');
  return Math.round(ms / 1000);
}

/** The CLI's sentence for a relay that cannot be reached ("connection refused: is the relay running at URL?"). */
function explained(relay: string, error: unknown): unknown {
  const sentence = explainConnectionError(relay, error);
  if (sentence === undefined) return error;
  const code = error instanceof SealwireError ? error.code : 'ERR_TUNNEL_UNAVAILABLE';
  return new SealwireError(code, sentence, { cause: error });
}

const firstLine = (text: string) => text.split('\n', 1)[0]!.trim();

/**
 * Handlers from a user module: `export default { name: async (arg, ctx) => result, ... }`. Plain node (the
 * installed CLI runs from dist/) cannot import TypeScript on Node 20: that case says to compile it, rather
 * than surfacing node's ERR_UNKNOWN_FILE_EXTENSION. Under a TypeScript loader (tsx) a .ts module loads.
 */
async function loadHandlers(path: string): Promise<Record<string, RpcHandler>> {
  const file = resolvePath(path);
  const found = await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile()) {
    throw new UsageError(
      `--handlers ${path}: no such file; pass the path of a JS module whose default export maps RPC names to functions`,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(file)) {
      throw new UsageError(
        `--handlers ${path} is TypeScript, which plain node cannot load: compile it to .js (with tsc or esbuild) and pass the .js file`,
      );
    }
    throw new UsageError(
      `--handlers ${path} could not be loaded: ${firstLine(String((error as Error)?.message ?? error))}`,
    );
  }
  const handlers = module.default;
  if (typeof handlers !== 'object' || handlers === null)
    throw new UsageError(`--handlers ${path} must export default an object of RPC handlers`);
  for (const [name, fn] of Object.entries(handlers))
    if (typeof fn !== 'function')
      throw new UsageError(`--handlers ${path}: handler ${name} is not a function`);
  return handlers as Record<string, RpcHandler>;
}

interface StartOptions {
  id?: string;
  relay: string;
  dataDir: string;
  adminPasswordFile?: string;
  handlers?: string;
  requireSessionVerification?: boolean;
  requireE2ee: boolean;
}

/** The signals that stop a service, and 128 + their number: the status a shell reports when one ends it. */
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

export function registerTunnelCommands(program: Command): void {
  const service = program
    .command('service')
    .description(
      'run a service reachable through a relay, end to end encrypted (TLS inside the relayed stream)',
    );
  const passwordHelp = `admin password file (or ${ADMIN_PASSWORD_ENV}, or a prompt on a terminal)`;

  service
    .command('start')
    .description('start the service (creating its data directory, certificate and secrets on first start)')
    .option('--id <id>', 'service id (required on first start)')
    .requiredOption('--relay <url>', 'relay URL, e.g. ws://127.0.0.1:8080', relayUrlOption)
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--admin-password-file <file>', passwordHelp)
    .option(
      '--handlers <module>',
      'JS module whose default export maps RPC names to handler functions (a .ts module needs a TypeScript loader such as tsx: compile it to .js otherwise)',
    )
    .option('--require-session-verification', 'on first start: every session must present an access token')
    .option(
      '--no-require-e2ee',
      'on first start: also answer RPCs outside E2EE (the relay can then read them)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Prints the certificate fingerprint as `openssl x509 -noout -fingerprint -sha256` does: give it to clients out of band.',
        'Built-in RPCs: ping (echoes its argument), capabilities.',
        `First start: the admin password must have at least 12 characters (a passphrase); on a terminal it is asked twice.`,
        'Runs until stopped, reconnecting to the relay whenever it goes away (one line per attempt on stderr).',
        'One process per data directory: a second start on the same one is refused.',
        '',
        'Exit codes: 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM, 129 by SIGHUP; 1 the relay was unreachable or refused',
        'the first registration, the data directory is in use by another process, or another process registered',
        'the same id at the relay; 2 usage error (flags, --handlers module, a weak new admin password).',
        '',
        'Example:',
        `  ${ADMIN_PASSWORD_ENV}=... sealwire service start --id lab-1 --relay ws://127.0.0.1:8080 --data-dir ./lab-1`,
      ].join('\n'),
    )
    .action(async (options: StartOptions) => {
      // Mistakes that need neither the password nor the relay are reported before anything is created.
      const handlers = options.handlers === undefined ? {} : await loadHandlers(options.handlers);
      const tunnel = await loadTunnel();
      checkServiceId('--id', options.id, tunnel.SERVICE_ID_PATTERN);
      const creating = !(await tunnel.isServiceDir(options.dataDir));
      if (creating && options.id === undefined) {
        throw new UsageError(
          `${options.dataDir} does not hold a service yet: pass --id ID to create it (or check --data-dir)`,
        );
      }
      const password = await adminPassword(options.adminPasswordFile, creating);
      const relay = options.relay;
      let running: Awaited<ReturnType<typeof tunnel.startService>>;
      try {
        running = await tunnel.startService({
          dataDir: options.dataDir,
          relay,
          adminPassword: password,
          ...(options.id === undefined ? {} : { serviceId: options.id }),
          settings: {
            require_e2ee: options.requireE2ee,
            require_session_verification: options.requireSessionVerification === true,
          },
        });
      } catch (error) {
        throw explained(relay, error);
      }
      for (const [name, handler] of Object.entries(handlers)) running.handle(name, handler);
      const id = running.serviceId;
      notice(
        `sealwire: service ${id} ${running.created ? 'created and ' : ''}registered at ${relay}` +
          ` (require_e2ee=${running.settings.require_e2ee}, require_session_verification=${running.settings.require_session_verification})`,
      );
      await writeOutput(undefined, `sha256 Fingerprint=${running.fingerprint}\n`);
      running.connector.on('disconnected', (code: number, reason: string) =>
        warn(`relay connection lost (${code} ${reason}); reconnecting`),
      );
      running.connector.on('retrying', (event: RetryEvent) => {
        const why = explainConnectionError(relay, event.error) ?? event.reason;
        notice(
          `sealwire: reconnecting to ${relay} in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt}; last: ${why})`,
        );
      });
      running.connector.on('registered', (again: boolean) => {
        if (again) notice(`sealwire: service ${id} registered again at ${relay}`);
      });
      const ended = await new Promise<keyof typeof SIGNAL_EXIT | SealwireError>((resolve) => {
        for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[])
          process.once(signal, () => resolve(signal));
        running.connector.once('replaced', (reason: string) =>
          resolve(
            new AlreadyRunningError(
              `another process registered service ${id} at ${relay} (${reason}); this one stopped: run one instance per service id`,
            ),
          ),
        );
      });
      running.stop();
      if (ended instanceof SealwireError) throw ended;
      notice('sealwire: service stopped');
      // Cleanup is done (relay told, lock released); now end *of the signal*, as signals.ts does for every
      // command, so the shell sees 130 / 143 / 129 and a script's loop stops on Ctrl-C. The timer (ref'd)
      // keeps the process up until the signal lands, and exits with the same status should it not.
      for (const signal of Object.keys(SIGNAL_EXIT)) process.removeAllListeners(signal);
      process.kill(process.pid, ended);
      setTimeout(() => process.exit(SIGNAL_EXIT[ended]), 1000);
    });

  service
    .command('status')
    .description(
      'show a data directory: service id, fingerprint, policy, and whether a process serves it now (no password needed)',
    )
    .requiredOption('--data-dir <dir>', 'data directory')
    .option(
      '--json',
      'print one JSON document: { dataDir, serviceId, fingerprint, settings, identity, running, pid }',
    )
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const { serviceStatus } = await loadTunnel();
      const status = await serviceStatus(options.dataDir);
      if (options.json) {
        await writeOutput(undefined, `${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      await writeOutput(
        undefined,
        [
          `service      ${status.serviceId}`,
          `data dir     ${status.dataDir}`,
          `state        ${status.running ? `running (pid ${status.pid})` : 'stopped'}`,
          `fingerprint  sha256 Fingerprint=${status.fingerprint}`,
          `require_e2ee ${status.settings.require_e2ee}`,
          `require_session_verification ${status.settings.require_session_verification}`,
          '',
        ].join('\n'),
      );
    });

  service
    .command('fingerprint')
    .description('print the certificate fingerprint (no password needed)')
    .requiredOption('--data-dir <dir>', 'data directory')
    .action(async (options: { dataDir: string }) => {
      const { readFingerprint } = await loadTunnel();
      await writeOutput(undefined, `sha256 Fingerprint=${await readFingerprint(options.dataDir)}\n`);
    });

  service
    .command('identity')
    .description(
      "print the service's relay identity (Ed25519 public JWK) to list under the relay's tunnel.services",
    )
    .requiredOption('--data-dir <dir>', 'data directory')
    .addHelpText(
      'after',
      '\nRelay config (YAML):\n  tunnel:\n    services:\n      lab-1:\n        publicKey: <this JWK>',
    )
    .action(async (options: { dataDir: string }) => {
      const { readIdentity } = await loadTunnel();
      await writeOutput(undefined, `${JSON.stringify(await readIdentity(options.dataDir))}\n`);
    });

  service
    .command('renew-cert')
    .description(
      'replace the certificate and key; clients must pin the new fingerprint, old tokens stop working',
    )
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--admin-password-file <file>', passwordHelp)
    .action(async (options: { dataDir: string; adminPasswordFile?: string }) => {
      const { readSettings, renewCertificate } = await loadTunnel();
      await readSettings(options.dataDir); // not a service: say so before asking for a password
      const fingerprint = await renewCertificate(
        options.dataDir,
        await adminPassword(options.adminPasswordFile),
      );
      notice('sealwire: certificate renewed; restart the service to serve it');
      await writeOutput(undefined, `sha256 Fingerprint=${fingerprint}\n`);
    });

  service
    .command('issue-token')
    .description('issue an access token bound to this service id and certificate fingerprint')
    .requiredOption('--data-dir <dir>', 'data directory')
    .option(
      '--ttl <duration>',
      'lifetime: 90s, 30m, 1h, 7d; a bare number is seconds (default 1h)',
      ttlOption,
    )
    .option('--admin-password-file <file>', passwordHelp)
    .action(async (options: { dataDir: string; ttl?: number; adminPasswordFile?: string }) => {
      const { issueAccessToken, openServiceDir, readSettings } = await loadTunnel();
      await readSettings(options.dataDir); // not a service: say so before asking for a password
      const opened = await openServiceDir(options.dataDir, await adminPassword(options.adminPasswordFile));
      const { token, claims } = issueAccessToken(opened.tokenKey, {
        serviceId: opened.settings.serviceId,
        fingerprint: opened.fingerprint,
        ttlSeconds: options.ttl ?? 3600,
      });
      notice(
        `sealwire: token for ${claims.sid}, expires ${new Date(claims.exp * 1000).toISOString()}; treat it as a password`,
      );
      await writeOutput(undefined, `${token}\n`);
    });

  service
    .command('settings')
    .description(
      'show or change require_e2ee / require_session_verification (takes effect at the next start)',
    )
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--require-e2ee <bool>', 'true or false', booleanOption('--require-e2ee'))
    .option(
      '--require-session-verification <bool>',
      'true or false',
      booleanOption('--require-session-verification'),
    )
    .action(
      async (options: { dataDir: string; requireE2ee?: boolean; requireSessionVerification?: boolean }) => {
        const patch: Record<string, boolean> = {};
        if (options.requireE2ee !== undefined) patch.require_e2ee = options.requireE2ee;
        if (options.requireSessionVerification !== undefined)
          patch.require_session_verification = options.requireSessionVerification;
        const { readSettings, updateSettings } = await loadTunnel();
        const settings =
          Object.keys(patch).length > 0
            ? await updateSettings(options.dataDir, patch)
            : await readSettings(options.dataDir);
        await writeOutput(undefined, `${JSON.stringify(settings, null, 2)}\n`);
      },
    );

  program
    .command('call')
    .description(
      'call an RPC of a tunneled service, end to end encrypted; prints the result and the E2EE information',
    )
    .requiredOption('--relay <url>', 'relay URL, e.g. ws://127.0.0.1:8080', relayUrlOption)
    .requiredOption('--service <id>', 'service id')
    .option(
      '--fingerprint <fp>',
      'the service certificate SHA-256 fingerprint, from its operator (required unless --insecure)',
    )
    .option('--token <token>', 'access token (prefer --token-file: command lines show in ps)')
    .option('--token-file <file>', 'file holding the access token')
    .option('--insecure', 'no pin, no TLS: the relay can read everything (capabilities probes only)')
    .option(
      '--deadline <duration>',
      'per-call deadline: 500ms, 30s, 2m; a bare number is milliseconds (default 30s)',
      durationOption('--deadline', 'ms'),
    )
    .option('--json', 'print one JSON document: { result, e2ee }')
    .argument('<name>', 'RPC name (e.g. ping, capabilities)')
    .argument('[arg]', 'JSON argument')
    .addHelpText(
      'after',
      '\nExample:\n  sealwire call --relay ws://127.0.0.1:8080 --service lab-1 --fingerprint "AB:CD:..." ping \'{"hello":"world"}\'\n\nExit codes: 0 ok; 1 the call failed (pin mismatch, not authorized, RPC error, tunnel lost); 2 usage error.',
    )
    .action(
      async (
        name: string,
        argText: string | undefined,
        options: Record<string, string | number | boolean | undefined>,
      ) => {
        let arg: unknown;
        if (argText !== undefined) {
          try {
            arg = JSON.parse(argText);
          } catch {
            throw new UsageError('the argument must be JSON (quote strings: \'"text"\')');
          }
        }
        let token = options.token as string | undefined;
        if (options.tokenFile !== undefined)
          token = (await readFileOrExplain(options.tokenFile as string)).toString('utf8').trim();
        const { connectTunnel, SERVICE_ID_PATTERN } = await loadTunnel();
        checkServiceId('--service', options.service as string, SERVICE_ID_PATTERN);
        const relay = options.relay as string;
        const client = await connectTunnel(options.service as string, {
          relay,
          ...(options.fingerprint === undefined ? {} : { fingerprint: options.fingerprint as string }),
          ...(token === undefined ? {} : { accessToken: token }),
          insecure: options.insecure === true,
          deadlineMs: (options.deadline as number | undefined) ?? 30_000,
        }).catch((error: unknown) => {
          throw explained(relay, error);
        });
        try {
          const { value, e2ee } = await client.call(name, arg).catch((error: unknown) => {
            throw explained(relay, error);
          });
          if (options.json) {
            const result = value instanceof Uint8Array ? { base64: encodeBase64(value) } : value;
            await writeOutput(undefined, `${JSON.stringify({ result, e2ee }, null, 2)}\n`);
          } else {
            await writeOutput(
              undefined,
              value instanceof Uint8Array ? value : `${JSON.stringify(value, null, 2)}\n`,
            );
            process.stderr.write(
              e2ee.used
                ? `e2ee: yes; service ${e2ee.serviceId}; certificate ${e2ee.subject}; fingerprint ${e2ee.fingerprint}; session verified: ${e2ee.verified ? 'yes' : 'no'}\n`
                : `e2ee: NO (insecure): the relay could read and change this call; service ${e2ee.serviceId}\n`,
            );
          }
        } finally {
          client.close();
        }
      },
    );
}
