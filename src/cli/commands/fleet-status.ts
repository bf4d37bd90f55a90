/**
 * The Redis part of `superfilter status`: progress of a whole fleet crawl, printed as a few
 * lines or as JSON. The `status` command calls `printFleetStatus` when given `--redis`.
 */
import type { Command } from 'commander';
import { ConfigError, ErrorCodes } from '../../errors.ts';

/** Prints the status of `crawl` on the Redis at `url`; resolves to the status object. */
export async function printFleetStatus(url: string, crawl: string, options: { json?: boolean; top?: number; prefix?: string } = {}) {
  const { formatCrawlStatus, redisCrawlStatus } = await import('../../stores/redis/crawl-status.ts');
  const status = await redisCrawlStatus(url, crawl, { top: options.top, prefix: options.prefix });
  process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${formatCrawlStatus(status)}\n`);
  return status;
}

/** Registers `fleet-status --redis URL --crawl NAME [--json]` (for builds whose `status` lacks --redis). */
export function registerFleetStatusCommand(program: Command): void {
  program
    .command('fleet-status')
    .description('progress of a Redis fleet crawl')
    .option('--redis <url>', 'Redis URL')
    .option('--crawl <name>', 'name of the crawl')
    .option('--prefix <prefix>', 'key prefix', 'sf')
    .option('--top <n>', 'hosts to list', '10')
    .option('--json', 'print JSON')
    .action(async (flags: { redis?: string; crawl?: string; prefix: string; top: string; json?: boolean }) => {
      if (!flags.redis || !flags.crawl) throw new ConfigError(ErrorCodes.ARGS_INVALID, 'fleet-status needs --redis and --crawl');
      const status = await printFleetStatus(flags.redis, flags.crawl, { json: flags.json, top: Number(flags.top), prefix: flags.prefix });
      if (!status.exists) process.exitCode = 1;
    });
}
