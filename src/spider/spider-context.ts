/**
 * The second argument of a spider's handlers: how a handler makes requests relative to the
 * page it is parsing, and where it logs.
 *
 * Invariant: every request made through the context is absolute, branded (so it is told apart
 * from items), carries a label the spider has a handler for, and defaults to the crawl's link
 * options when it comes from `followLinks`.
 */
import { ErrorCodes, SpiderError } from '../errors.ts';
import type { CrawlResponse, LinksOptions } from './crawl-response.ts';
import { type RequestOptions, type SpiderRequest, absoluteHttpUrl, request } from './spider-request.ts';

/** Where a spider's own messages go (the engine's log by default). */
export interface SpiderLog {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** What a handler can do besides reading the response. */
export interface SpiderContext {
  /** A request for `url`, resolved against the response URL. */
  request(url: string | URL, options?: RequestOptions): SpiderRequest;
  /** Requests for several URLs (resolved against the response URL), with the same options. */
  follow(urls: string | URL | Iterable<string | URL>, options?: RequestOptions): SpiderRequest[];
  /** Requests for the page's links (`response.links(linkOptions)`), with `requestOptions`. */
  followLinks(linkOptions?: LinksOptions, requestOptions?: RequestOptions): SpiderRequest[];
  /** How deep the current page is (start requests are depth 0). */
  readonly depth: number;
  readonly log: SpiderLog;
  /** Aborted when the crawl is stopping; long handlers may watch it. */
  readonly signal: AbortSignal;
}

/** What the engine passes when it builds a context. */
export interface SpiderContextOptions {
  log?: SpiderLog;
  signal?: AbortSignal;
  /** Labels the spider has handlers for; requests with another label are refused early. */
  labels?: ReadonlySet<string>;
}

const SILENT: SpiderLog = { error() {}, warn() {}, info() {}, debug() {} };

/** Builds the context of one handler call on `response`. */
export function createSpiderContext(response: CrawlResponse, options: SpiderContextOptions = {}): SpiderContext {
  const labels = options.labels;
  const make = (url: string | URL, requestOptions?: RequestOptions): SpiderRequest => {
    const label = requestOptions?.label;
    if (label !== undefined && labels !== undefined && !labels.has(label)) {
      throw new SpiderError(ErrorCodes.SPIDER_INVALID, `no handler for label "${label}" (handlers: ${[...labels].join(', ') || 'none'})`, {
        details: { label },
      });
    }
    return request(absoluteHttpUrl(url, response.url), requestOptions);
  };
  return {
    request: make,
    follow(urls, requestOptions) {
      const list = typeof urls === 'string' || urls instanceof URL ? [urls] : [...urls];
      return list.map((url) => make(url, requestOptions));
    },
    followLinks(linkOptions, requestOptions) {
      return response.links(linkOptions).map((url) => make(url, requestOptions));
    },
    depth: response.request.depth,
    log: options.log ?? SILENT,
    signal: options.signal ?? new AbortController().signal,
  };
}
