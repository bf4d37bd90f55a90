/**
 * `superfilter status DIR`: progress of a crawl's job directory — pending, leased, done,
 * failed, retired, seen, items, the feed checkpoint and the largest host queues — as a table
 * or, with `--json`, one JSON object. It reads without the lock, so it works while the crawl
 * runs. With `--redis URL --crawl NAME` it reports a fleet crawl instead.
 */
import type { Command } from 'commander';
import { ConfigError, ErrorCodes } from '../../errors.ts';
import { type JobdirStatus, formatJobdirStatus, readJobdirStatus } from '../../stores/jobdir/jobdir-status.ts';

/** Options of the status command. */
export interface StatusFlags {
  json?: boolean;
  top?: string;
  redis?: string;
  crawl?: string;
}

/** Prints the status of job directory `dir`; resolves to it. */
export async function runStatus(dir: string | undefined, flags: StatusFlags): Promise<JobdirStatus | null> {
  const top = Number(flags.top ?? '10');
  if (!Number.isInteger(top) || top < 0) throw new ConfigError(ErrorCodes.ARGS_INVALID, `--top must be a whole number >= 0 (got ${flags.top})`);
  if (flags.redis) {
    if (!flags.crawl) throw new ConfigError(ErrorCodes.ARGS_INVALID, 'status --redis needs --crawl NAME');
    const { printFleetStatus } = await import('./fleet-status.ts');
    await printFleetStatus(flags.redis, flags.crawl, { json: flags.json, top });
    return null;
  }
  if (!dir) throw new ConfigError(ErrorCodes.ARGS_INVALID, 'status needs a job directory: superfilter status DIR');
  const status = readJobdirStatus(dir, top);
  process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${formatJobdirStatus(status)}\n`);
  return status;
}

/** Registers `status [DIR] [--json] [--top N] [--redis URL --crawl NAME]`. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('progress of a crawl: a job directory (works while the crawl runs), or a fleet crawl with --redis')
    .argument('[dir]', 'job directory')
    .option('--json', 'print one JSON object')
    .option('--top <n>', 'largest host queues to list', '10')
    .option('--redis <url>', 'report a fleet crawl on this Redis instead')
    .option('--crawl <name>', 'name of the fleet crawl (with --redis)')
    .action(async (dir: string | undefined, flags: StatusFlags) => {
      await runStatus(dir, flags);
    });
}
