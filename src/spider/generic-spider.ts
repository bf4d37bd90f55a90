/**
 * The spider behind `superfilter crawl <url>`: it follows every in-scope link of every HTML
 * page and writes one item per page, `{ url, status, title, depth }`.
 *
 * Invariants: the title comes from the same single pass that finds the links (no DOM); pages
 * that are not HTML still yield their item (title null) and no links; scope, patterns and the
 * links-per-page cap are the crawl's (passed to the response by the engine).
 */
import { type Spider, defineSpider } from './define-spider.ts';

/** Options of {@link genericSpider}. */
export interface GenericSpiderOptions {
  /** Spider name (job directory, crawl name); default derived from the first URL's host. */
  name?: string;
  /** `<link rel>` tokens followed besides `<a>` / `<area>`; default `next`, `prev`. */
  linkRels?: readonly string[];
}

/** A spider name from a URL's host and port: `example.com`, `127.0.0.1-8080`. */
export function spiderNameFor(url: string): string {
  let host = 'crawl';
  try {
    host = new URL(url).host || host;
  } catch {}
  const name = host.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 100);
  return name === '' ? 'crawl' : name;
}

/** The generic spider starting from `startUrls`. Throws SF_SPIDER_INVALID for a bad URL. */
export function genericSpider(startUrls: readonly string[], options: GenericSpiderOptions = {}): Spider {
  const linkRels = options.linkRels ?? ['next', 'prev'];
  return defineSpider({
    name: options.name ?? spiderNameFor(startUrls[0] ?? ''),
    startUrls,
    parse(response, ctx) {
      const item = { url: response.url, status: response.status, title: response.title, depth: response.request.depth };
      return [item, ...ctx.followLinks({ linkRels })];
    },
  });
}
