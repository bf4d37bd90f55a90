/**
 * Adapts a spider from `defineSpider` (src/spider/) to the engine's SpiderRunner: wraps each
 * fetched response in a CrawlResponse whose `links()` defaults to the crawl's scope, patterns
 * and links-per-page cap, routes it through the spider's handlers, and exposes the spider's
 * include / exclude patterns as the follow filter.
 */
import type { Config } from '../config.ts';
import type { QueuedRequest } from '../contracts.ts';
import type { FetchResult } from '../downloader/fetcher.ts';
import { CrawlResponse, type LinksOptions } from '../spider/crawl-response.ts';
import type { Spider } from '../spider/define-spider.ts';
import type { SpiderLog } from '../spider/spider-context.ts';
import { createUrlFilter } from '../url/url-patterns.ts';
import type { CrawlEvents } from './crawl-events.ts';
import type { SpiderOutput, SpiderRunner } from './spider-runner.ts';

/** Makes the engine's view of `spider` under `config`. */
export function adaptSpider(spider: Spider, config: Config, log?: SpiderLog): SpiderRunner {
  const patterns = { include: [...spider.include], exclude: [...spider.exclude] };
  // Scope is left to the engine (relative to the start URLs, counted as "offsite"); patterns
  // and the per-page cap apply inside links() already, so the engine's checks rarely drop.
  const linkDefaults: LinksOptions = { scope: 'any', maxLinks: config.maxLinksPerPage, ...patterns };
  const filter = spider.include.length > 0 || spider.exclude.length > 0 ? createUrlFilter(patterns) : null;
  const runner: SpiderRunner = {
    name: spider.name,
    pipelines: spider.pipelines,
    startRequests: () => spider.startRequests(),
    async parse(res: FetchResult, request: QueuedRequest, signal?: AbortSignal): Promise<SpiderOutput> {
      const response = new CrawlResponse({ url: res.url, status: res.status, headers: res.headers, body: res.body, request, linkDefaults });
      const out = await spider.handle(response, { ...(log ? { log } : {}), ...(signal ? { signal } : {}) });
      return { items: out.items, requests: out.requests };
    },
  };
  if (filter !== null) runner.follows = filter;
  // Called once by runCrawl at the end of the crawl, whatever way it ended.
  runner.close = () => spider.close();
  return runner;
}

/** A spider log that writes through the engine's events (and so the crawl's logger). */
export function spiderLogVia(events: CrawlEvents, spiderName: string): SpiderLog {
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string) => events.emit('log', { level, message: `[${spiderName}] ${message}` });
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
