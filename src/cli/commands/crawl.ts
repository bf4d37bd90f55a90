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

const d = (name: keyof typeof configSchema) => `(default ${String(configSchema[name].default)})`;

/** Adds the crawl flags to a command (shared by `crawl` and `demo`). */
export function addCrawlFlags(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'items file; the format follows the extension: .jsonl, .csv, .json (default: JSON Lines on stdout)')
    .option('--concurrency <n>', `requests in flight at once, across all hosts ${d('concurrency')}`)
    .option('--per-host <n>', `requests in flight at once to one host ${d('perHost')}`)
    .option('--delay <ms>', `milliseconds between request starts to one host ${d('delayMs')}`)
    .option('--jitter <ms>', `random extra delay per request, in [0, ms) ${d('jitterMs')}`)
    .option('--max-pages <n>', 'stop after this many pages (default 0: no limit)')
    .option('--depth <n>', 'do not follow links deeper than this; start pages are depth 0 (default 0: no limit)')
    .addOption(new Option('--scope <scope>', `which links to follow, relative to the start URLs ${d('scope')}`).choices(['host', 'domain', 'origin', 'any']))
    .option('--resolve <host:port:addr>', 'connect to addr for host:port, as curl (repeatable)', collect)
    .option('--ignore-robots', 'do not fetch or obey robots.txt')
    .option('--stats-json <file>', 'write the final stats to this JSON file')
    .addOption(new Option('--log-level <level>', `log verbosity ${d('logLevel')}`).choices(['error', 'warn', 'info', 'debug']))
    .addOption(new Option('--store <kind>', `where the seen set and the frontier live ${d('store')}`).choices(['memory', 'jobdir', 'redis']))
    .option('--jobdir <dir>', 'job directory of the jobdir store (default .superfilter/<spider name>)')
    .option('--redis <url>', 'Redis URL for fleet mode, redis:// or rediss:// (implies --store redis)')
    .option('--crawl <name>', 'name of the shared crawl in Redis (default: the spider name)')
    .option('--user-agent <ua>', 'User-Agent header (default superfilter/<version> with a project link)')
    .option('--retries <n>', `retries for network errors, timeouts, 408, 429 and 5xx ${d('retries')}`)
    .option('--auto-throttle', 'adapt each host delay to its response time (never below --delay or a robots.txt crawl-delay)')
    .option('-s, --set <name=value>', 'any setting of docs/configuration.md by name, e.g. --set maxBodyBytes=2000000 (repeatable)', collect)
    .option('--no-progress', 'no live progress line on stderr')
    .addHelpText(
      'after',
      `
Settings come from defaults < SUPERFILTER_* environment variables < the spider's settings < flags.
Ctrl-C once: finish the pages in flight and stop (exit 0); twice: abort them (exit 130).
Exit codes: 0 done, 1 failed while running, 2 bad arguments, 130 aborted.`,
    );
}

/** Flag names by setting, to name the flag the user typed in an error. */
const FLAG_OF: Record<string, string> = {
  output: '--output',
  concurrency: '--concurrency',
  perHost: '--per-host',
  delayMs: '--delay',
  jitterMs: '--jitter',
  maxPages: '--max-pages',
  maxDepth: '--depth',
  scope: '--scope',
  resolve: '--resolve',
  ignoreRobots: '--ignore-robots',
  statsJson: '--stats-json',
  logLevel: '--log-level',
  store: '--store',
  jobdir: '--jobdir',
  redis: '--redis',
  crawlName: '--crawl',
  userAgent: '--user-agent',
  retries: '--retries',
  autoThrottle: '--auto-throttle',
};

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
  const named = new Map<string, string>(Object.keys(input).map((setting) => [setting, `--set ${setting}`]));
  for (const [flag, setting] of map) {
    if (flags[flag] === undefined) continue;
    input[setting] = flags[flag];
    named.set(setting, FLAG_OF[setting]);
  }
  try {
    return parseConfig({ ...base, ...(input as ConfigInput) });
  } catch (error) {
    throw withFlagName(error, named);
  }
}

/** Rewrites `setting "delayMs": …` as `--delay: …` (or `--set delayMs: …`) when the value came from the command line. */
function withFlagName(error: unknown, named: ReadonlyMap<string, string>): unknown {
  if (!(error instanceof ConfigError)) return error;
  const flag = named.get(String(error.details.setting));
  if (flag === undefined) return error;
  const problem = error.message.replace(/^setting "[^"]+": /, '');
  return new ConfigError(error.code, `${flag}: ${problem}`, { cause: error.cause, details: error.details });
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
