/**
 * `superfilter crawl <spider.ts | url>`: every flag maps onto one setting of src/config.ts,
 * parsed once; the crawl runs through the engine; Ctrl-C once stops gracefully (in-flight pages
 * finish and commit, the feed is flushed, exit 0), twice aborts in-flight pages (their leases
 * are released, no torn line, exit 130).
 */
import { type Command, Option } from 'commander';
import { type Config, type ConfigInput, configSchema, parseConfig } from '../../config.ts';
import { ConfigError, ErrorCodes, errorCodeOf } from '../../errors.ts';
import { CrawlEvents } from '../../engine/crawl-events.ts';
import { adaptSpider, spiderLogVia } from '../../engine/adapt-spider.ts';
import type { Crawler } from '../../engine/crawler.ts';
import { type RunCrawlResult, runCrawl } from '../../engine/run-crawl.ts';
import type { SpiderRunner } from '../../engine/spider-runner.ts';
import { ExitCodes } from '../exit-codes.ts';
import { loadCrawlTarget } from '../load-target.ts';

/** Raw commander options of `crawl` (and `demo`). */
export interface CrawlFlags {
  output?: string;
  concurrency?: string;
  perHost?: string;
  delay?: string;
  jitter?: string;
  maxPages?: string;
  depth?: string;
  scope?: string;
  resolve?: string[];
  ignoreRobots?: boolean;
  statsJson?: string;
  logLevel?: string;
  store?: string;
  jobdir?: string;
  redis?: string;
  crawl?: string;
  userAgent?: string;
  retries?: string;
  autoThrottle?: boolean;
  set?: string[];
  progress?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds the crawl flags to a command (shared by `crawl` and `demo`). */
export function addCrawlFlags(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'items file; .jsonl (default), .csv or .json by extension; "-" for stdout')
    .option('--concurrency <n>', 'requests in flight at once, across all hosts')
    .option('--per-host <n>', 'requests in flight at once to one host')
    .option('--delay <ms>', 'milliseconds between request starts to one host')
    .option('--jitter <ms>', 'random extra delay per request, in [0, ms)')
    .option('--max-pages <n>', 'stop after this many pages (0: no limit)')
    .option('--depth <n>', 'do not follow links deeper than this (0: no limit)')
    .addOption(new Option('--scope <scope>', 'which links to follow').choices(['host', 'domain', 'origin', 'any']))
    .option('--resolve <host:port:addr>', 'send connections for host:port to addr (repeatable, as curl)', collect)
    .option('--ignore-robots', 'do not fetch or obey robots.txt')
    .option('--stats-json <file>', 'write the final stats as JSON')
    .addOption(new Option('--log-level <level>', 'log verbosity').choices(['error', 'warn', 'info', 'debug']))
    .addOption(new Option('--store <kind>', 'where the seen set and frontier live').choices(['memory', 'jobdir', 'redis']))
    .option('--jobdir <dir>', 'job directory (default .superfilter/<spider name>)')
    .option('--redis <url>', 'Redis URL for fleet mode (redis:// or rediss://)')
    .option('--crawl <name>', 'name of the shared crawl in Redis (default: the spider name)')
    .option('--user-agent <ua>', 'User-Agent header')
    .option('--retries <n>', 'retries for network errors, 5xx and 429')
    .option('--auto-throttle', 'adapt each host delay to its latency')
    .option('-s, --set <name=value>', 'any setting of the configuration reference (repeatable)', collect)
    .option('--no-progress', 'no live progress line');
}

/** Turns flags into a parsed Config (defaults < SUPERFILTER_* env < `base` < flags). Throws ConfigError. */
export function configFromFlags(flags: CrawlFlags, base: ConfigInput = {}): Config {
  const input: Record<string, unknown> = {};
  for (const pair of flags.set ?? []) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !(name in configSchema)) {
      throw new ConfigError(ErrorCodes.ARGS_INVALID, `--set expects name=value with a setting of the configuration reference (got "${pair}")`);
    }
    input[name] = pair.slice(eq + 1);
  }
  const map: [keyof CrawlFlags, keyof ConfigInput][] = [
    ['output', 'output'],
    ['concurrency', 'concurrency'],
    ['perHost', 'perHost'],
    ['delay', 'delayMs'],
    ['jitter', 'jitterMs'],
    ['maxPages', 'maxPages'],
    ['depth', 'maxDepth'],
    ['scope', 'scope'],
    ['resolve', 'resolve'],
    ['ignoreRobots', 'ignoreRobots'],
    ['statsJson', 'statsJson'],
    ['logLevel', 'logLevel'],
    ['store', 'store'],
    ['jobdir', 'jobdir'],
    ['redis', 'redis'],
    ['crawl', 'crawlName'],
    ['userAgent', 'userAgent'],
    ['retries', 'retries'],
    ['autoThrottle', 'autoThrottle'],
  ];
  for (const [flag, setting] of map) if (flags[flag] !== undefined) input[setting] = flags[flag];
  return parseConfig({ ...base, ...(input as ConfigInput) });
}

/** Options of {@link crawlWithSignals}. */
export interface CrawlRunOptions {
  config: Config;
  spider: SpiderRunner;
  progress: boolean;
  events?: CrawlEvents;
}

/** Runs a crawl with Ctrl-C / SIGTERM handling; prints the summary; resolves to the exit code. */
export async function crawlWithSignals(options: CrawlRunOptions): Promise<{ code: number; result: RunCrawlResult | null }> {
  let crawler: Crawler | null = null;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (crawler === null) {
      // Nothing to finish yet: stop at once.
      process.exit(ExitCodes.INTERRUPTED);
    }
    if (interrupts === 1 && signal !== 'SIGQUIT') {
      process.stderr.write(`\n${signal}: finishing the pages in flight, then stopping (press Ctrl-C again to stop at once)\n`);
      crawler.stop('graceful');
    } else {
      process.stderr.write(`\n${signal}: aborting the pages in flight (they stay queued for the next run)\n`);
      crawler.stop('abort');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runCrawl({
      config: options.config,
      spider: options.spider,
      progress: options.progress,
      events: options.events,
      onCrawler: (c) => {
        crawler = c;
        if (interrupts > 0) c.stop(interrupts > 1 ? 'abort' : 'graceful');
      },
    });
    printSummary(result);
    if (result.reason === 'error') return { code: ExitCodes.FAILED, result };
    return { code: result.reason === 'aborted' ? ExitCodes.INTERRUPTED : ExitCodes.OK, result };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printSummary(r: RunCrawlResult): void {
  const s = r.stats;
  const lines = [
    `crawl ${r.reason}: ${s.pagesFetched} pages in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.pagesPerSecond} pages/s), ${s.items} items`,
    `  duplicates filtered ${s.duplicatesFiltered}, retries ${s.retries}, redirects ${s.redirects}, robots-blocked ${s.robotsBlocked}, offsite ${s.offsite}, failed ${s.failed}`,
    `  responses ${JSON.stringify(s.responsesByStatus)}${Object.keys(s.errorsByCode).length ? `, errors ${JSON.stringify(s.errorsByCode)}` : ''}`,
    `  store: ${r.storeKind} (${r.storeLocation}); items: ${r.feed ?? 'kept in the store'}`,
  ];
  if (r.error !== undefined) lines.push(`  error ${errorCodeOf(r.error)}: ${(r.error as Error)?.message ?? String(r.error)}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Adds `crawl` to the program. */
export function registerCrawlCommand(program: Command): void {
  addCrawlFlags(
    program
      .command('crawl')
      .description('crawl with a spider file (TypeScript or JavaScript) or, given a URL, the generic spider')
      .argument('<target>', 'spider file (./spider.ts) or start URL (https://example.com/)'),
  ).action(async (target: string, flags: CrawlFlags) => {
    const spider = await loadCrawlTarget(target);
    // Precedence: defaults < SUPERFILTER_* environment < the spider's settings < flags.
    const config = configFromFlags(flags, spider.settings);
    const events = new CrawlEvents();
    const runner = adaptSpider(spider, config, spiderLogVia(events, spider.name));
    const { code } = await crawlWithSignals({ config, spider: runner, events, progress: flags.progress !== false });
    process.exitCode = code;
  });
}
