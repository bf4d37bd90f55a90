/**
 * Builds the `superfilter` command-line program (commander 14) with every command registered,
 * and runs it. Bad arguments — commander's own errors (unknown option, missing argument, bad
 * choice) and SF_CONFIG_INVALID / SF_ARGS_INVALID — print one line naming the problem with its
 * stable code (`superfilter: SF_ARGS_INVALID: unknown option '--x'`) and give exit code 2.
 * Other superfilter errors print their code, message and cause (no stack) and give exit code 1;
 * only an unexpected error prints a stack.
 */
import { Command, CommanderError } from 'commander';
import { ErrorCodes, isSuperfilterError } from '../errors.ts';
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
    // Commander's messages ("error: unknown option '--x'") get the stable code of a bad argument.
    .configureOutput({ outputError: (text, write) => write(`superfilter: ${ErrorCodes.ARGS_INVALID}: ${text.replace(/^error: /, '')}`) })
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
    if (isSuperfilterError(error) && (error.code === ErrorCodes.CONFIG_INVALID || error.code === ErrorCodes.ARGS_INVALID)) {
      process.stderr.write(`superfilter: ${error.code}: ${error.message}\n(run with --help for usage)\n`);
      return ExitCodes.BAD_ARGS;
    }
    if (isSuperfilterError(error)) {
      const cause = error.cause === undefined ? '' : `\n  cause: ${(error.cause as Error)?.message ?? String(error.cause)}`;
      process.stderr.write(`superfilter: ${error.code}: ${error.message}${cause}\n`);
    } else process.stderr.write(`superfilter: ${(error as Error)?.stack ?? String(error)}\n`);
    return ExitCodes.FAILED;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCodes.OK;
}
