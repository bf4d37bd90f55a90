/**
 * Link scope: which URLs a crawl may follow, relative to its seed URLs.
 *
 * - `host`: the same host name as a seed (any scheme, any port; `Example.COM.` = `example.com`).
 * - `domain`: the same registrable domain as a seed, by the public suffix list (tldts), with
 *   the list's private section on: `a.github.io` and `b.github.io` belong to different owners
 *   and are different domains, while `a.example.co.uk` and `b.example.co.uk` share
 *   `example.co.uk`. Hosts without a registrable domain (IP addresses, `localhost`, a bare
 *   public suffix) fall back to host equality.
 * - `origin`: the same scheme, host and port.
 * - `any`: every http(s) URL.
 *
 * Invariants: only http(s) URLs are ever in scope; a URL that cannot be parsed is out of scope,
 * never an exception. Keys are computed from WHATWG-normalized URLs; a fast path reads the host
 * straight from the strings the link extractor produces and falls back to `URL` for anything
 * that is not already in normal form.
 */
import { getDomain } from 'tldts';
import { ConfigError, ErrorCodes } from '../errors.ts';
import { fastAuthorityEnd } from './resolve-href.ts';

/** Which links a crawl follows. */
export type Scope = 'host' | 'domain' | 'origin' | 'any';

/** Every scope, in order of increasing reach except `origin`, which is the narrowest. */
export const SCOPES: readonly Scope[] = ['host', 'domain', 'origin', 'any'];

/** A compiled scope: seeds can be added (for example where a seed redirected to). */
export interface UrlScope {
  readonly scope: Scope;
  /** Adds a seed URL; unparsable or non-http(s) seeds are ignored and false is returned. */
  add(seed: string): boolean;
  /** True when `url` is in scope of at least one seed. */
  test(url: string): boolean;
}

interface UrlParts {
  /** `http:` or `https:`. */
  protocol: string;
  /** Host name without port, lower case, without a trailing dot. */
  hostname: string;
  /** `scheme://host[:port]` with the default port omitted. */
  origin: string;
}

/** Host part of a normalized `http(s)://host[:port]/...` string, without the URL parser. */
function fastParts(url: string): UrlParts | null {
  const end = fastAuthorityEnd(url);
  if (end < 0) return null;
  const start = url.charCodeAt(4) === 115 ? 8 : 7;
  const colon = url.indexOf(':', start);
  const hostEnd = colon >= 0 && colon < end ? colon : end;
  return { protocol: start === 8 ? 'https:' : 'http:', hostname: url.slice(start, hostEnd), origin: url.slice(0, end) };
}

function parts(url: string): UrlParts | null {
  const fast = fastParts(url);
  if (fast !== null) return fast;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  let hostname = u.hostname;
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  return { protocol: u.protocol, hostname, origin: u.origin };
}

/** The registrable domain of a host name, or the host itself when it has none. */
export function registrableDomain(hostname: string): string {
  if (hostname.startsWith('[')) return hostname;
  return getDomain(hostname, { allowPrivateDomains: true, extractHostname: false }) ?? hostname;
}

/** The value two URLs must share to be in the same scope; null when out of every scope. */
export function scopeKey(url: string, scope: Scope): string | null {
  const p = parts(url);
  if (p === null) return null;
  switch (scope) {
    case 'host':
      return p.hostname;
    case 'domain':
      return registrableDomain(p.hostname);
    case 'origin':
      return p.origin;
    default:
      return '*';
  }
}

/** Throws ConfigError SF_CONFIG_INVALID unless `scope` is one of {@link SCOPES}. */
export function assertScope(scope: unknown): asserts scope is Scope {
  if (!SCOPES.includes(scope as Scope)) {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `scope must be one of ${SCOPES.join(', ')} (got ${JSON.stringify(scope)})`, {
      details: { setting: 'scope', value: scope },
    });
  }
}

/** Compiles a scope over `seeds` for fast repeated tests. */
export function createScope(scope: Scope, seeds: Iterable<string> = []): UrlScope {
  assertScope(scope);
  const keys = new Set<string>();
  const compiled: UrlScope = {
    scope,
    add(seed: string): boolean {
      const key = scopeKey(seed, scope);
      if (key === null) return false;
      keys.add(key);
      return true;
    },
    test(url: string): boolean {
      const key = scopeKey(url, scope);
      return key !== null && (scope === 'any' || keys.has(key));
    },
  };
  for (const seed of seeds) compiled.add(seed);
  return compiled;
}

/**
 * True when `url` is in `scope` of `seeds` (one URL, several, or a compiled {@link UrlScope},
 * whose own scope then applies and `scope` is ignored). For many tests, compile once with
 * {@link createScope}.
 */
export function inScope(url: string, seeds: string | Iterable<string> | UrlScope, scope: Scope = 'host'): boolean {
  if (typeof seeds === 'object' && seeds !== null && 'test' in seeds && typeof seeds.test === 'function') {
    return seeds.test(url);
  }
  return createScope(scope, typeof seeds === 'string' ? [seeds] : (seeds as Iterable<string>)).test(url);
}
