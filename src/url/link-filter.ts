/**
 * The one question a crawl asks of every discovered URL: may it be followed? Combines the
 * scope (relative to the seeds) with include / exclude patterns, compiled once.
 *
 * Invariant: a URL passes only when it is in scope of some seed and passes the patterns;
 * nothing here throws on a bad URL (it simply does not pass).
 */
import { type Scope, type UrlScope, createScope } from './scope.ts';
import { type UrlPatternOptions, createUrlFilter } from './url-patterns.ts';

/** Options of {@link createLinkFilter}. */
export interface LinkFilterOptions extends UrlPatternOptions {
  /** Default `host`. */
  scope?: Scope;
  /** URLs the scope is relative to (start URLs, and where they redirected). */
  seeds?: Iterable<string>;
}

/** A compiled link filter. */
export interface LinkFilter {
  readonly scope: UrlScope;
  /** True when `url` may be followed. */
  test(url: string): boolean;
  /** Adds a seed to the scope (a start URL, or the target a start URL redirected to). */
  addSeed(url: string): boolean;
}

/** Compiles scope and patterns into one filter. Throws ConfigError for a bad scope or pattern. */
export function createLinkFilter(options: LinkFilterOptions = {}): LinkFilter {
  const scope = createScope(options.scope ?? 'host', options.seeds ?? []);
  const patterns = createUrlFilter(options);
  return {
    scope,
    test: (url) => scope.test(url) && patterns(url),
    addSeed: (url) => scope.add(url),
  };
}
