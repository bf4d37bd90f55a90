/**
 * Builds the `superfilter` command-line program (commander 14) with every command registered,
 * and runs it: bad arguments (commander's own errors and SF_CONFIG_INVALID / SF_ARGS_INVALID)
 * print one clear line and give exit code 2.
 */
import { Command, CommanderError } from 'commander';
import { isSuperfilterError } from '../errors.ts';
import { registerBenchSeenCommand } from './commands/bench-seen.ts';
import { registerCrawlCommand } from './commands/crawl.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerFingerprintCommand } from './commands/fingerprint.ts';
import { registerFleetStatusCommand } from './commands/fleet-status.ts';
import { registerStatusCommand } from './commands/status.ts';
import { ExitCodes } from './exit-codes.ts';

/** The program with every command. Commands set `process.exitCode`; they never call `process.exit`. */
export function buildProgram(): Command {
  const program = new Command('superfilter')
    .description('a web crawler built around an exact, compact, crash-safe request filter')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCrawlCommand(program);
  registerDemoCommand(program);
  registerFingerprintCommand(program);
  registerBenchSeenCommand(program);
  registerExportCommand(program);
  registerStatusCommand(program);
  registerFleetStatusCommand(program);
  return program;
}

/** Runs the CLI on `argv` (node-style, with the two leading entries); resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version arrive here as "errors" with exit code 0.
      return error.exitCode === 0 ? ExitCodes.OK : ExitCodes.BAD_ARGS;
    }
    if (isSuperfilterError(error) && (error.code === 'SF_CONFIG_INVALID' || error.code === 'SF_ARGS_INVALID')) {
      process.stderr.write(`superfilter: ${error.message}\n`);
      return ExitCodes.BAD_ARGS;
    }
    process.stderr.write(`superfilter: ${isSuperfilterError(error) ? `${error.code}: ` : ''}${(error as Error)?.stack ?? String(error)}\n`);
    return ExitCodes.FAILED;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCodes.OK;
}
