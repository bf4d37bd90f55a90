/**
 * What the engine needs from a spider, whatever way it was defined: its name, its start
 * requests, a parse of one response into items and requests, ordered item pipelines, and an
 * optional follow filter. `adaptSpider` (src/engine/adapt-spider.ts) builds one from a spider
 * module; tests may build one by hand.
 */
import type { CrawlRequest, QueuedRequest } from '../contracts.ts';
import type { FetchResult } from '../downloader/fetcher.ts';
import type { FeedItem } from '../feeds/feed-format.ts';
import type { ItemPipeline } from './item-pipelines.ts';


/** What one response produced. */
export interface SpiderOutput {
  items: FeedItem[];
  requests: CrawlRequest[];
}

/** The engine's view of a spider. */
export interface SpiderRunner {
  readonly name: string;
  /** Start requests, seeded when the store holds no crawl yet. */
  startRequests(): AsyncIterable<CrawlRequest> | Iterable<CrawlRequest>;
  /** Parses one 2xx response (routed by the request's label). May throw; the engine records SF_SPIDER_PARSE. */
  parse(response: FetchResult, request: QueuedRequest, signal?: AbortSignal): Promise<SpiderOutput>;
  /** Ordered item pipelines. */
  readonly pipelines: readonly ItemPipeline[];
  /** Extra filter on discovered URLs (include / exclude patterns); true keeps. */
  follows?(url: string): boolean;
  /** Called once when the crawl ends. */
  close?(): Promise<void> | void;
}
