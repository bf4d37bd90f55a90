/**
 * Assembles one crawl from a config and a spider: the fetcher (it checks `--resolve` first),
 * the store (by `config.store`), per-host delays (robots.txt crawl-delay, `autoThrottle`),
 * robots.txt, the link scope, the feed (resumed at the store's checkpoint), logging, the
 * progress line and the final stats; runs it; closes everything in order (crawler, feed,
 * the spider's `close()` hook — exactly once, its errors logged — store, connections) and
 * writes `--stats-json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Store, StoreOpenInfo } from '../contracts.ts';
import { Fetcher } from '../downloader/fetcher.ts';
import { ErrorCodes, FeedError } from '../errors.ts';
import { type FeedSink, openFeed } from '../feeds/feed-sink.ts';
import { createScope, type Scope } from '../url/scope.ts';
import { createStore } from './create-store.ts';
import { CrawlEvents } from './crawl-events.ts';
import { Crawler, type CrawlResult } from './crawler.ts';
import { createLogger, type LogLevel, type Logger, logEvents } from './logger.ts';
import { ProgressLine } from './progress-line.ts';
import { HostDelays } from './host-delays.ts';
import { RobotsGate, type RobotsGateOptions } from './robots-gate.ts';
import type { SpiderRunner } from './spider-runner.ts';

/** Options of {@link runCrawl}. */
export interface RunCrawlOptions {
  config: Config;
  spider: SpiderRunner;
  /** A store to use instead of the one `config.store` names (unopened). */
  store?: Store;
  logger?: Logger;
  /** Show the live progress line (default true). */
  progress?: boolean;
  events?: CrawlEvents;
  /** Receives the crawler as soon as it exists (to wire signals to `stop`). */
  onCrawler?: (crawler: Crawler) => void;
  /** How long to wait for an unreachable robots.txt (defaults: recheck after 60 s, 3 waits). */
  robots?: RobotsGateOptions;
}

/** What a run did, with where its output went. */
export interface RunCrawlResult extends CrawlResult {
  /** The feed file or "stdout"; null when items stayed in the store. */
  feed: string | null;
  /** Where the store keeps the crawl (memory, a job directory, a Redis crawl). */
  storeLocation: string;
  storeKind: string;
}

/** Runs one crawl to its end and closes everything it opened. */
export async function runCrawl(options: RunCrawlOptions): Promise<RunCrawlResult> {
  const { config, spider } = options;
  const events = options.events ?? new CrawlEvents();
  let progress: ProgressLine | null = null;
  const log = options.logger ?? createLogger(config.logLevel as LogLevel, process.stderr, () => progress?.clear());
  logEvents(events, log);

  let fetcher: Fetcher;
  try {
    // Built first: it checks --resolve before any store is touched.
    fetcher = new Fetcher({
      userAgent: config.userAgent,
      connectTimeoutMs: config.connectTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      totalTimeoutMs: config.totalTimeoutMs,
      maxBodyBytes: config.maxBodyBytes,
      maxHeaderBytes: config.maxHeaderBytes,
      maxUrlLength: config.maxUrlLength,
      connectionsPerOrigin: config.perHost,
      resolve: config.resolve,
    });
  } catch (error) {
    await closeSpider(spider, log);
    throw error;
  }

  let storeLocation = 'memory';
  let storeKind = 'memory';
  let store = options.store;
  if (store === undefined) {
    let created: Awaited<ReturnType<typeof createStore>>;
    try {
      created = await createStore(config, { crawlName: config.crawlName || spider.name, warn: (m) => log.warn(m) });
    } catch (error) {
      await fetcher.destroy().catch(() => {});
      await closeSpider(spider, log);
      throw error;
    }
    store = created.store;
    storeLocation = created.location;
    storeKind = created.kind;
  } else storeKind = store.kind;

  const scope = createScope(config.scope as Scope);
  const delays = new HostDelays(store, events, { baseDelayMs: config.delayMs, autoThrottle: config.autoThrottle, slackMs: config.politenessSlackMs });
  const robots = config.ignoreRobots ? null : new RobotsGate(fetcher, store, events, delays, { ...options.robots });
  const openStoreFeed = (info: StoreOpenInfo): FeedSink | null => {
    const s = store as Store;
    if (s.capabilities.items) {
      log.info(`items are kept in the ${s.kind} store`);
      return null;
    }
    const path = config.output;
    if (path === '' || path === '-') return openFeed({ path });
    const checkpoint = s.capabilities.feedCheckpoint ? info.feed : undefined;
    if (checkpoint !== undefined && resolve(checkpoint.path) !== resolve(path)) {
      log.warn(`this crawl wrote its earlier items to ${checkpoint.path}; new items go to ${path}`);
      return openFeed({ path });
    }
    // A resumed crawl keeps exactly the items its committed pages wrote; a new one starts the file afresh.
    const resumeAt = s.capabilities.feedCheckpoint && info.resumed ? (checkpoint?.offset ?? 0) : undefined;
    if (resumeAt !== undefined) log.info(`resuming the feed ${path} at byte ${resumeAt}`);
    return openFeed({ path, resumeAt });
  };

  const crawler = new Crawler({
    config,
    store,
    spider,
    fetcher,
    openFeed: openStoreFeed,
    scope,
    rules: {
      maxDepth: config.maxDepth,
      maxLinksPerPage: config.maxLinksPerPage,
      maxUrlLength: config.maxUrlLength,
      inScope: (url) => scope.test(url),
      follows: spider.follows?.bind(spider),
    },
    robots,
    delays,
    events,
  });
  options.onCrawler?.(crawler);
  if (options.progress !== false) {
    progress = new ProgressLine(crawler.stats, { frontier: () => (store as Store).stats().catch(() => null) });
    progress.start();
  }

  let result: CrawlResult;
  try {
    result = await crawler.run();
  } catch (error) {
    // store.open failed, or the feed could not be opened: nothing was crawled.
    progress?.stop();
    await closeSpider(spider, log);
    await store.close().catch(() => {});
    await fetcher.destroy().catch(() => {});
    throw error;
  }
  progress?.stop();
  let closeError: unknown = null;
  try {
    await crawler.feed?.close();
  } catch (error) {
    closeError = error instanceof FeedError ? error : new FeedError(ErrorCodes.FEED_IO, `cannot close the feed: ${(error as Error).message}`, { cause: error });
  }
  await closeSpider(spider, log);
  await store.close().catch((error) => {
    closeError ??= error;
  });
  if (result.reason === 'aborted') await fetcher.destroy().catch(() => {});
  else await fetcher.close().catch(() => {});
  if (config.statsJson) {
    mkdirSync(dirname(resolve(config.statsJson)), { recursive: true });
    writeFileSync(config.statsJson, `${JSON.stringify({ ...result.stats, store: storeKind, feed: crawler.feed?.target ?? null }, null, 2)}\n`);
  }
  const out: RunCrawlResult = { ...result, feed: crawler.feed?.target ?? null, storeLocation, storeKind };
  if (closeError !== null && out.error === undefined) {
    out.error = closeError;
    out.reason = 'error';
  }
  return out;
}

/** Runs the spider's `close` hook once; its failure is logged, never thrown (the crawl's outcome stands). */
async function closeSpider(spider: SpiderRunner, log: Logger): Promise<void> {
  if (spider.close === undefined) return;
  try {
    await spider.close();
  } catch (error) {
    log.error(`the spider's close() failed: ${(error as Error)?.message ?? String(error)}`);
  }
}
