/**
 * superfilter's public API. Everything a user imports comes from here; internal modules may
 * change shape between releases, these exports may not.
 */
export * from './errors.ts';
export type * from './contracts.ts';
export { parseConfig, configReference, configSchema } from './config.ts';
export type { Config, ConfigInput } from './config.ts';

// URLs and fingerprints
export { canonicalizeUrl } from './url/canonicalize-url.ts';
export type { CanonicalizeOptions } from './url/canonicalize-url.ts';
export { safeUrl } from './url/safe-url.ts';
export {
  fingerprint,
  fingerprintFromHex,
  fingerprintHex,
  fingerprintInto,
  fingerprintToHex,
  fingerprintUrl,
} from './fingerprint/fingerprint.ts';
export type { FingerprintOptions, FingerprintRequest } from './fingerprint/fingerprint.ts';
export { extractLinks, scanHtml } from './url/extract-links.ts';
export type { ExtractLinksOptions } from './url/extract-links.ts';
export { createScope, inScope, registrableDomain } from './url/scope.ts';
export type { Scope, UrlScope } from './url/scope.ts';
export { createUrlFilter, globToRegExp } from './url/url-patterns.ts';
export type { UrlPattern } from './url/url-patterns.ts';
export { createLinkFilter } from './url/link-filter.ts';

// The seen set
export { CompactFingerprintSet, KEPT_BITS } from './seen/compact-fingerprint-set.ts';
export { MemorySeenFilter } from './seen/memory-seen-filter.ts';
export { JobdirSeenFilter } from './seen/jobdir-seen-filter.ts';
export type { JobdirSeenFilterOptions } from './seen/jobdir-seen-filter.ts';
export { SEEN_LOG_VERSION, SeenLog } from './seen/seen-log.ts';
export type { SeenLogOpenInfo, SeenLogOptions } from './seen/seen-log.ts';
export { exportRequestsSeen, importRequestsSeen } from './seen/requests-seen.ts';
export type { ImportResult } from './seen/requests-seen.ts';

// Stores
export { MemoryKV } from './kv/memory-kv.ts';
export { MemoryStore } from './stores/memory/memory-store.ts';
export type { MemoryStoreOptions, SyncSeenFilter } from './stores/memory/memory-store.ts';
export { JobdirStore } from './stores/jobdir/jobdir-store.ts';
export type { JobdirStoreOptions } from './stores/jobdir/jobdir-store.ts';
export { formatJobdirStatus, readJobdirStatus } from './stores/jobdir/jobdir-status.ts';
export type { JobdirStatus } from './stores/jobdir/jobdir-status.ts';
export { createRedisStore, RedisStore } from './stores/redis/redis-store.ts';
export type { RedisStoreOptions } from './stores/redis/redis-store.ts';
export { formatCrawlStatus, redisCrawlStatus } from './stores/redis/crawl-status.ts';
export type { RedisCrawlStatus } from './stores/redis/crawl-status.ts';
export { exportRedisItems } from './stores/redis/export-items.ts';
export type { ExportItemsOptions } from './stores/redis/export-items.ts';

// Spiders
export { defineSpider, isSpider } from './spider/define-spider.ts';
export type { SpiderDefinition, Spider, SpiderHandler, StartRequest } from './spider/define-spider.ts';
export { isSpiderRequest, request } from './spider/spider-request.ts';
export type { RequestOptions, SpiderRequest } from './spider/spider-request.ts';
export { CrawlResponse } from './spider/crawl-response.ts';
export type { CrawlResponseInit, LinksOptions } from './spider/crawl-response.ts';
export type { SpiderContext, SpiderLog } from './spider/spider-context.ts';
export type { Item, ParseResult } from './spider/collect-output.ts';
export { loadSpider } from './spider/load-spider.ts';
export { genericSpider } from './spider/generic-spider.ts';

// Downloader
export { Fetcher, redirectTarget } from './downloader/fetcher.ts';
export type { FetcherOptions, FetchRequest, FetchResult } from './downloader/fetcher.ts';
export { RobotsPolicy } from './downloader/robots-cache.ts';
export { RobotsTxt } from './downloader/robots-parser.ts';
export { retryDecision } from './downloader/retry-policy.ts';
export { AutoThrottle } from './downloader/auto-throttle.ts';
export { parseResolveEntries } from './downloader/resolve-entries.ts';

// Engine and feeds
export { runCrawl } from './engine/run-crawl.ts';
export type { RunCrawlOptions, RunCrawlResult } from './engine/run-crawl.ts';
export { Crawler } from './engine/crawler.ts';
export type { CrawlerOptions, CrawlResult, FinishReason } from './engine/crawler.ts';
export { CrawlEvents } from './engine/crawl-events.ts';
export type { CrawlEventMap } from './engine/crawl-events.ts';
export type { CrawlStatsSnapshot } from './engine/crawl-stats.ts';
export { adaptSpider, spiderLogVia } from './engine/adapt-spider.ts';
export type { ItemPipeline } from './engine/item-pipelines.ts';
export { createStore, jobdirFor } from './engine/create-store.ts';
export { FeedWriter } from './feeds/feed-writer.ts';
export { openFeed } from './feeds/feed-sink.ts';
export type { FeedSink } from './feeds/feed-sink.ts';
export { formatForPath } from './feeds/feed-format.ts';
export type { FeedFormat } from './feeds/feed-format.ts';
