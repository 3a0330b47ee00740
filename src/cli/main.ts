#!/usr/bin/env node
/**
 * The `sealwire` command. One file per command group registers its commands here.
 * Exit codes: 0 success; 1 a message could not be decrypted or verified; 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ErrorCodes, SealwireError } from '../errors.ts';
import { registerAgeCommands } from './age-commands.ts';
import { registerFieldsCommands } from './fields-commands.ts';
import { UsageError } from './io.ts';
import { registerKeyCommands } from './keys-commands.ts';
import { registerRelayCommands } from './relay-commands.ts';
import { registerSealCommands } from './seal-commands.ts';
import { setQuiet } from './terminal.ts';
import { registerTunnelCommands } from './tunnel-commands.ts';
import { VERSION } from './version.ts';
import { registerWampCommands } from './wamp-commands.ts';

/** Errors about the user's inputs (files, flags, key files) rather than about a message. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.INVALID_ARGUMENT,
  ErrorCodes.KEY_INVALID,
  ErrorCodes.IO,
]);

export function buildProgram(): Command {
  const program = new Command('sealwire')
    .description('End-to-end encryption for data that crosses servers you do not trust.')
    .version(VERSION)
    .option('--debug', 'print stack traces on errors')
    .option('-q, --quiet', 'print only results and errors (no progress, no notices)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerKeyCommands(program);
  registerSealCommands(program);
  registerAgeCommands(program);
  registerRelayCommands(program);
  registerWampCommands(program);
  registerFieldsCommands(program);
  registerTunnelCommands(program);
  // Every level, so that usage errors in sub-commands (`service start`) also exit 2 rather than 1.
  const override = (command: Command): void => {
    for (const child of command.commands) {
      child.exitOverride();
      override(child);
    }
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Read before parsing, so that notices printed while a command runs already honour it.
  setQuiet(argv.includes('--quiet') || argv.includes('-q'));
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are successes; every other commander error is a usage error.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? 0
        : 2;
    }
    const debug = argv.includes('--debug');
    if (error instanceof UsageError || (error instanceof SealwireError && USAGE_CODES.has(error.code))) {
      process.stderr.write(`sealwire: ${error.message}\n`);
      if (debug) process.stderr.write(`${(error as Error).stack}\n`);
      return 2;
    }
    if (error instanceof SealwireError) {
      process.stderr.write(`sealwire: ${error.message} [${error.code}]\n`);
      if (debug) process.stderr.write(`${error.stack}\n`);
      return 1;
    }
    process.stderr.write(`sealwire: unexpected error: ${(error as Error).message ?? String(error)}\n`);
    if (debug) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
