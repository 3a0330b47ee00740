#!/usr/bin/env node
/**
 * The `sealwire` command. One file per command group registers its commands here.
 *
 * Exit codes: 0 success; 1 a message could not be decrypted or verified (or another failure); 2 usage
 * error (a flag, a file, a directory the user can fix); 130 / 143 / 129 ended by SIGINT / SIGTERM / SIGHUP
 * (temporary files removed first); 141 stdout was closed by its reader (as `cat` under `| head`). See
 * signals.ts for the details of the last two.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ErrorCodes, SealwireError } from '../errors.ts';
import { registerAgeCommands } from './age-commands.ts';
import { registerCompletionCommand } from './completion.ts';
import { registerFieldsCommands } from './fields-commands.ts';
import { UsageError } from './io.ts';
import { registerKeyCommands } from './keys-commands.ts';
import { registerRelayCommands } from './relay-commands.ts';
import { registerSealCommands } from './seal-commands.ts';
import { BROKEN_PIPE_EXIT, exitCodeAfterReturn, installExitHandlers, isBrokenPipe } from './signals.ts';
import { paint, setQuiet } from './terminal.ts';
import { registerTunnelCommands } from './tunnel-commands.ts';
import { VERSION } from './version.ts';
import { registerWampCommands } from './wamp-commands.ts';

/** Errors about the user's inputs (files, flags, key files) rather than about a message. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.USAGE,
  ErrorCodes.CONFIG,
  ErrorCodes.INVALID_ARGUMENT,
  ErrorCodes.KEY_INVALID,
  ErrorCodes.IO,
]);

/** The command's name as typed: `sealwire age encrypt`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent)
    names.unshift(current.name());
  return names.join(' ');
}

/**
 * Commander's usage errors as one line like every other error: `error: option '--work-factor <n>' argument
 * 'abc' is invalid. --work-factor must be ...` becomes `sealwire: --work-factor must be ..., got 'abc'`,
 * and "(Did you mean ...?)" joins the line instead of starting another.
 */
export function usageLine(text: string, command: Command): string {
  let message = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ');
  const invalid =
    /^(?:option|command-argument value) '(.*?)' (?:argument '(.*)' is invalid|is invalid for argument '.*?')\. (.+)$/s.exec(
      message,
    );
  if (invalid) {
    const value = invalid[2] ?? invalid[1];
    message = `${invalid[3]}, got '${value}'`;
  }
  return `${paint('sealwire:', 'red', process.stderr)} ${message} (see \`${commandPath(command)} --help\`)\n`;
}

export function buildProgram(): Command {
  const program = new Command('sealwire')
    .description('End-to-end encryption for data that crosses servers you do not trust.')
    .version(VERSION)
    .option('--debug', 'print stack traces on errors')
    .option('-q, --quiet', 'print only results and errors (no progress, no notices)')
    .exitOverride();
  registerKeyCommands(program);
  registerSealCommands(program);
  registerAgeCommands(program);
  registerRelayCommands(program);
  registerWampCommands(program);
  registerFieldsCommands(program);
  registerTunnelCommands(program);
  registerCompletionCommand(program);
  // Every level, so that usage errors in sub-commands (`service start`) also exit 2 rather than 1, and
  // print one line naming the sub-command's help.
  const configure = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ outputError: (text, write) => write(usageLine(text, command)) });
    for (const child of command.commands) configure(child);
  };
  configure(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  installExitHandlers();
  const program = buildProgram();
  // Read before parsing, so that notices printed while a command runs already honour it.
  setQuiet(argv.includes('--quiet') || argv.includes('-q'));
  try {
    await program.parseAsync(argv);
    return exitCodeAfterReturn();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are successes; every other commander error is a usage error.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? 0
        : 2;
    }
    // The reader of our output went away (`| head`): end quietly, as cat does.
    if (isBrokenPipe(error)) return BROKEN_PIPE_EXIT;
    const debug = argv.includes('--debug');
    const prefix = paint('sealwire:', 'red', process.stderr);
    if (error instanceof UsageError || (error instanceof SealwireError && USAGE_CODES.has(error.code))) {
      process.stderr.write(`${prefix} ${error.message}\n`);
      if (debug) process.stderr.write(`${(error as Error).stack}\n`);
      return 2;
    }
    if (error instanceof SealwireError) {
      process.stderr.write(`${prefix} ${error.message} [${error.code}]\n`);
      if (debug) process.stderr.write(`${error.stack}\n`);
      return 1;
    }
    process.stderr.write(`${prefix} unexpected error: ${(error as Error).message ?? String(error)}\n`);
    if (debug) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
