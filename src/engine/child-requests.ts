/**
 * The gate between what a page's parse produced and what reaches the store: each discovered
 * request is built (safe URL, fingerprint), and kept only when it is in scope, passes the
 * spider's follow filter, is not deeper than `maxDepth`, and is among the first
 * `maxLinksPerPage` of its page. Every drop is an event with a reason; none is silent.
 * The seen-set test happens later, inside the store's commit.
 */
import type { CrawlRequest, QueuedRequest } from '../contracts.ts';
import { buildRequest } from './build-request.ts';
import type { CrawlEvents, DropReason } from './crawl-events.ts';

/** Limits and filters for one crawl. */
export interface ChildRules {
  maxDepth: number;
  maxLinksPerPage: number;
  maxUrlLength: number;
  /** True when `url` (absolute, fragment-free) is inside the crawl's scope. */
  inScope(url: string): boolean;
  /** The spider's include / exclude filter. */
  follows?(url: string): boolean;
  /** Widens the scope to admit `url` as a start URL (where a start request redirected to). */
  admitSeed?(url: string): void;
}

/** Builds and filters the child requests of one page. */
export function childRequests(
  found: readonly CrawlRequest[],
  parent: QueuedRequest,
  baseUrl: string,
  rules: ChildRules,
  events: CrawlEvents,
): QueuedRequest[] {
  const out: QueuedRequest[] = [];
  const depth = parent.depth + 1;
  const drop = (url: string, reason: DropReason) => events.emit('dropped', { url, reason, from: parent.url });
  let taken = 0;
  for (const req of found) {
    if (taken >= rules.maxLinksPerPage) {
      drop(req.url, 'links-cap');
      continue;
    }
    taken++;
    // Cheap tests first: depth and scope need no fingerprint (requests from a spider's context are absolute).
    if (rules.maxDepth > 0 && depth > rules.maxDepth) {
      drop(req.url, 'depth');
      continue;
    }
    if (!rules.inScope(req.url)) {
      drop(req.url, 'offsite');
      continue;
    }
    const built = buildRequest(req, { depth, maxUrlLength: rules.maxUrlLength, parentId: parent.id, base: baseUrl });
    if (!built.ok) {
      drop(req.url, built.reason);
      continue;
    }
    const child = built.request;
    if (rules.follows && !rules.follows(child.url)) {
      drop(child.url, 'pattern');
      continue;
    }
    out.push(child);
  }
  return out;
}
