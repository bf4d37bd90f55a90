/**
 * Include / exclude patterns for URLs: globs and regular expressions.
 *
 * A glob matches the whole absolute URL: `**` any run of characters, `*` any run without `/`,
 * `?` one character other than `/` (so it also matches a literal `?`), `{a,b}` one of the
 * alternatives; every other character stands for itself. A RegExp matches when it finds a
 * match anywhere (anchor it yourself); `g` and `y` flags are dropped so that tests never
 * depend on `lastIndex`.
 *
 * Invariant: a URL passes a filter when it matches some include (or there are none) and no
 * exclude. Patterns are compiled once; a bad pattern is a ConfigError naming it.
 */
import { ConfigError, ErrorCodes } from '../errors.ts';

/** A glob string or a regular expression. */
export type UrlPattern = string | RegExp;

/** Include and exclude patterns of a crawl or of one `links()` call. */
export interface UrlPatternOptions {
  include?: readonly UrlPattern[] | UrlPattern;
  exclude?: readonly UrlPattern[] | UrlPattern;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function globBody(glob: string, inBraces: boolean): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        while (glob[i + 1] === '*') i++;
      } else out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '{' && !inBraces) {
      const close = glob.indexOf('}', i + 1);
      if (close < 0) {
        out += escapeRegExp(ch);
        continue;
      }
      const alternatives = glob.slice(i + 1, close).split(',');
      out += `(?:${alternatives.map((a) => globBody(a, true)).join('|')})`;
      i = close;
    } else {
      out += escapeRegExp(ch);
    }
  }
  return out;
}

/** The anchored RegExp a glob stands for. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globBody(glob, false)}$`);
}

/** Compiles one pattern to a RegExp; throws ConfigError SF_CONFIG_INVALID for anything else. */
export function compileUrlPattern(pattern: UrlPattern): RegExp {
  if (typeof pattern === 'string') return globToRegExp(pattern);
  if (pattern instanceof RegExp) {
    const flags = pattern.flags.replace(/[gy]/g, '');
    return flags === pattern.flags ? pattern : new RegExp(pattern.source, flags);
  }
  throw new ConfigError(
    ErrorCodes.CONFIG_INVALID,
    `a URL pattern must be a glob string or a RegExp (got ${pattern === null ? 'null' : typeof pattern})`,
    { details: { value: String(pattern) } },
  );
}

function toList(patterns: readonly UrlPattern[] | UrlPattern | undefined): readonly UrlPattern[] {
  if (patterns === undefined) return [];
  return typeof patterns === 'string' || patterns instanceof RegExp ? [patterns] : patterns;
}

/** True when `url` matches at least one of `patterns`. */
export function matchesAny(url: string, patterns: readonly RegExp[]): boolean {
  for (const re of patterns) if (re.test(url)) return true;
  return false;
}

/**
 * Compiles include / exclude patterns into one test: some include (or none given) and no
 * exclude. Throws ConfigError SF_CONFIG_INVALID for a pattern that is neither glob nor RegExp.
 */
export function createUrlFilter(options: UrlPatternOptions = {}): (url: string) => boolean {
  const include = toList(options.include).map(compileUrlPattern);
  const exclude = toList(options.exclude).map(compileUrlPattern);
  if (include.length === 0 && exclude.length === 0) return () => true;
  return (url) => (include.length === 0 || matchesAny(url, include)) && !matchesAny(url, exclude);
}

/** One-off form of {@link createUrlFilter}: compiles the patterns on every call. */
export function matchesUrlPatterns(url: string, options: UrlPatternOptions): boolean {
  return createUrlFilter(options)(url);
}
