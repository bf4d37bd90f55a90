/**
 * `superfilter export --redis URL --crawl NAME -o items.jsonl [--trim]`: writes the items a
 * fleet crawl stored in Redis to one JSON Lines file (each page's items exactly once).
 */
import type { Command } from 'commander';
import { ConfigError, ErrorCodes } from '../../errors.ts';

interface ExportFlags {
  redis?: string;
  crawl?: string;
  output?: string;
  prefix: string;
  trim?: boolean;
}

/** Registers the `export` command. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write the items of a Redis fleet crawl to a JSON Lines file')
    .option('--redis <url>', 'Redis URL (redis://, rediss:// or redis+cluster://host:port,host:port)')
    .option('--crawl <name>', 'name of the crawl')
    .option('-o, --output <file>', 'the .jsonl file to write')
    .option('--prefix <prefix>', 'key prefix', 'sf')
    .option('--trim', 'delete the exported items from Redis once the file is written')
    .action(async (flags: ExportFlags) => {
      for (const [name, value] of [
        ['--redis', flags.redis],
        ['--crawl', flags.crawl],
        ['--output', flags.output],
      ] as const) {
        if (!value) throw new ConfigError(ErrorCodes.ARGS_INVALID, `export needs ${name}`);
      }
      const { exportRedisItems } = await import('../../stores/redis/export-items.ts');
      const result = await exportRedisItems({ url: flags.redis!, crawl: flags.crawl!, output: flags.output!, prefix: flags.prefix, trim: flags.trim === true });
      process.stderr.write(`exported ${result.items} items from ${result.hosts} hosts to ${flags.output}${flags.trim ? ' (trimmed from Redis)' : ''}\n`);
    });
}
