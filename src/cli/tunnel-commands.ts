/** `sealwire service ...` (a tunneled service) and `sealwire call` (a client of one). */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { RpcHandler } from '../tunnel/index.ts';
import { readFileOrExplain, readPassword, UsageError, writeOutput } from './io.ts';

// Loaded on first use, so that --help and the other commands do not pay for @peculiar/x509, ws and jose.
const loadTunnel = () => import('../tunnel/index.ts');

export const ADMIN_PASSWORD_ENV = 'SEALWIRE_ADMIN_PASSWORD';

function adminPassword(file: string | undefined): Promise<string> {
  return readPassword({
    ...(file === undefined ? {} : { file }),
    envVar: ADMIN_PASSWORD_ENV,
    prompt: 'admin password: ',
  });
}

/** `1h`, `30m`, `90s`, `7d` or plain seconds. */
function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`bad duration ${JSON.stringify(text)} (use e.g. 90s, 30m, 1h, 7d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function parseBoolean(text: string, flag: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${flag} takes true or false`);
}

/** Handlers from a user module: `export default { name: async (arg, ctx) => result, ... }`. */
async function loadHandlers(path: string): Promise<Record<string, RpcHandler>> {
  const module = (await import(pathToFileURL(resolvePath(path)).href)) as { default?: unknown };
  const handlers = module.default;
  if (typeof handlers !== 'object' || handlers === null)
    throw new UsageError(`${path} must export default an object of RPC handlers`);
  for (const [name, fn] of Object.entries(handlers))
    if (typeof fn !== 'function') throw new UsageError(`${path}: handler ${name} is not a function`);
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
    .requiredOption('--relay <url>', 'relay URL, e.g. ws://127.0.0.1:8080')
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--admin-password-file <file>', passwordHelp)
    .option('--handlers <module>', 'JS/TS module whose default export maps RPC names to handler functions')
    .option('--require-session-verification', 'on first start: every session must present an access token')
    .option(
      '--no-require-e2ee',
      'on first start: also answer RPCs outside E2EE (the relay can then read them)',
    )
    .addHelpText(
      'after',
      `\nPrints the certificate fingerprint as \`openssl x509 -noout -fingerprint -sha256\` does: give it to clients out of band.\nBuilt-in RPCs: ping (echoes its argument), capabilities.\n\nExample:\n  ${ADMIN_PASSWORD_ENV}=... sealwire service start --id lab-1 --relay ws://127.0.0.1:8080 --data-dir ./lab-1`,
    )
    .action(async (options: StartOptions) => {
      const password = await adminPassword(options.adminPasswordFile);
      const handlers = options.handlers === undefined ? {} : await loadHandlers(options.handlers);
      const { startService } = await loadTunnel();
      const running = await startService({
        dataDir: options.dataDir,
        relay: options.relay,
        adminPassword: password,
        ...(options.id === undefined ? {} : { serviceId: options.id }),
        settings: {
          require_e2ee: options.requireE2ee,
          require_session_verification: options.requireSessionVerification === true,
        },
      });
      for (const [name, handler] of Object.entries(handlers)) running.handle(name, handler);
      process.stderr.write(
        `sealwire: service ${running.serviceId} ${running.created ? 'created and ' : ''}registered at ${options.relay}` +
          ` (require_e2ee=${running.settings.require_e2ee}, require_session_verification=${running.settings.require_session_verification})\n`,
      );
      await writeOutput(undefined, `sha256 Fingerprint=${running.fingerprint}\n`);
      running.connector.on('disconnected', (code: number, reason: string) =>
        process.stderr.write(`sealwire: relay connection lost (${code} ${reason}); reconnecting\n`),
      );
      running.connector.on('registered', () => process.stderr.write('sealwire: registered again\n'));
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      running.stop();
      process.stderr.write('sealwire: service stopped\n');
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
      const { renewCertificate } = await loadTunnel();
      const fingerprint = await renewCertificate(
        options.dataDir,
        await adminPassword(options.adminPasswordFile),
      );
      process.stderr.write('sealwire: certificate renewed; restart the service to serve it\n');
      await writeOutput(undefined, `sha256 Fingerprint=${fingerprint}\n`);
    });

  service
    .command('issue-token')
    .description('issue an access token bound to this service id and certificate fingerprint')
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--ttl <duration>', 'lifetime: 90s, 30m, 1h, 7d', '1h')
    .option('--admin-password-file <file>', passwordHelp)
    .action(async (options: { dataDir: string; ttl: string; adminPasswordFile?: string }) => {
      const { issueAccessToken, openServiceDir } = await loadTunnel();
      const opened = await openServiceDir(options.dataDir, await adminPassword(options.adminPasswordFile));
      const { token, claims } = issueAccessToken(opened.tokenKey, {
        serviceId: opened.settings.serviceId,
        fingerprint: opened.fingerprint,
        ttlSeconds: parseDuration(options.ttl),
      });
      process.stderr.write(
        `sealwire: token for ${claims.sid}, expires ${new Date(claims.exp * 1000).toISOString()}; treat it as a password\n`,
      );
      await writeOutput(undefined, `${token}\n`);
    });

  service
    .command('settings')
    .description(
      'show or change require_e2ee / require_session_verification (takes effect at the next start)',
    )
    .requiredOption('--data-dir <dir>', 'data directory')
    .option('--require-e2ee <bool>', 'true or false')
    .option('--require-session-verification <bool>', 'true or false')
    .action(
      async (options: { dataDir: string; requireE2ee?: string; requireSessionVerification?: string }) => {
        const patch: Record<string, boolean> = {};
        if (options.requireE2ee !== undefined)
          patch.require_e2ee = parseBoolean(options.requireE2ee, '--require-e2ee');
        if (options.requireSessionVerification !== undefined) {
          patch.require_session_verification = parseBoolean(
            options.requireSessionVerification,
            '--require-session-verification',
          );
        }
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
    .requiredOption('--relay <url>', 'relay URL, e.g. ws://127.0.0.1:8080')
    .requiredOption('--service <id>', 'service id')
    .option(
      '--fingerprint <fp>',
      'the service certificate SHA-256 fingerprint, from its operator (required unless --insecure)',
    )
    .option('--token <token>', 'access token (prefer --token-file: command lines show in ps)')
    .option('--token-file <file>', 'file holding the access token')
    .option('--insecure', 'no pin, no TLS: the relay can read everything (capabilities probes only)')
    .option('--deadline <ms>', 'per-call deadline in milliseconds', '30000')
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
        options: Record<string, string | boolean | undefined>,
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
        const { connect } = await loadTunnel();
        const client = await connect(options.service as string, {
          relay: options.relay as string,
          ...(options.fingerprint === undefined ? {} : { fingerprint: options.fingerprint as string }),
          ...(token === undefined ? {} : { accessToken: token }),
          insecure: options.insecure === true,
          deadlineMs: Number(options.deadline),
        });
        try {
          const { value, e2ee } = await client.call(name, arg);
          if (options.json) {
            const result =
              value instanceof Uint8Array ? { base64: Buffer.from(value).toString('base64') } : value;
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
