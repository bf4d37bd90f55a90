/**
 * w3lib 2.4 `canonicalize_url` (keep_blank_values=True, UTF-8): query arguments split on `&`
 * and `;`, decoded to bytes, sorted by (name, value) bytes and re-encoded as a form would;
 * path escapes normalized to upper case with unreserved bytes decoded (but `%2F` and `%3F`
 * kept); host lower-cased and IDNA-encoded; empty port colon dropped; fragment dropped unless
 * asked. Ports, dot segments and empty paths beyond `/` are left alone, as w3lib leaves them.
 *
 * Invariants: output is a pure function of the input string and options; it never throws
 * for an http(s) URL with a well-formed host, and throws UrlError otherwise (see safe-url.ts).
 */
import { idnaEncode } from './idna.ts';
import { type SplitUrl, splitParams } from './parse-url.ts';
import {
  CANONICAL_PATH_SAFE,
  CANONICAL_SAFE,
  escapeAt,
  escapeNonAscii,
  FORM_SAFE,
  quote,
  quoteBytes,
  unquoteToBytes,
} from './percent-encoding.ts';
import { safeNetloc, splitHttpUrl } from './safe-url.ts';

/** Options of {@link canonicalizeUrl}. */
export interface CanonicalizeOptions {
  /** Keep the `#fragment` (default false, as Scrapy's fingerprint does). */
  keepFragments?: boolean;
}

const HEX = '0123456789ABCDEF';

function escapeByte(b: number): string {
  return '%' + HEX[b >> 4] + HEX[b & 15];
}

/** The path after w3lib's quote, `_unquotepath` and quote again, in one pass. */
export function canonicalPath(path: string): string {
  const n = path.length;
  let i = 0;
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c >= 128 || c === 37 || CANONICAL_PATH_SAFE[c] === 0) break;
    i++;
  }
  if (i === n) return n === 0 ? '/' : path;
  const out: string[] = [path.slice(0, i)];
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c === 37) {
      const b = escapeAt(path, i);
      if (b < 0) {
        out.push('%');
        i++;
        continue;
      }
      // `%2F` and `%3F` survive decoding: they would change the path's structure.
      out.push(b !== 0x2f && b !== 0x3f && b < 128 && CANONICAL_PATH_SAFE[b] === 1 ? String.fromCharCode(b) : escapeByte(b));
      i += 3;
    } else if (c < 128) {
      out.push(CANONICAL_PATH_SAFE[c] === 1 ? path[i] : escapeByte(c));
      i++;
    } else {
      i = escapeNonAscii(path, i, out);
    }
  }
  return out.join('') || '/';
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The query as `urlencode(sorted(parse_qsl_to_bytes(query, keep_blank_values=True)))`. */
export function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs: [string, string][] = [];
  let start = 0;
  const n = query.length;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 38 : query.charCodeAt(i);
    if (c !== 38 && c !== 59) continue;
    if (i > start) {
      const field = query.slice(start, i);
      const eq = field.indexOf('=');
      const name = eq < 0 ? field : field.slice(0, eq);
      const value = eq < 0 ? '' : field.slice(eq + 1);
      pairs.push([unquoteToBytes(name, true), unquoteToBytes(value, true)]);
    }
    start = i + 1;
  }
  if (pairs.length > 1) pairs.sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  let out = '';
  for (let k = 0; k < pairs.length; k++) {
    if (k > 0) out += '&';
    out += quoteBytes(pairs[k][0], FORM_SAFE, true) + '=' + quoteBytes(pairs[k][1], FORM_SAFE, true);
  }
  return out;
}

const NETLOC_CACHE_LIMIT = 4096;
const netlocCache = new Map<string, string>();

/** w3lib's netloc step: IDNA over the whole netloc, then lower-case the host part, drop a bare `:`. */
export function canonicalNetloc(netloc: string): string {
  const cached = netlocCache.get(netloc);
  if (cached !== undefined) return cached;
  const canonical = computeCanonicalNetloc(netloc);
  if (netlocCache.size >= NETLOC_CACHE_LIMIT) netlocCache.clear();
  netlocCache.set(netloc, canonical);
  return canonical;
}

function computeCanonicalNetloc(netloc: string): string {
  const encoded = idnaEncode(netloc) ?? netloc;
  const at = encoded.lastIndexOf('@');
  let host = encoded.slice(at + 1).toLowerCase();
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 58) end--;
  if (end < host.length) host = host.slice(0, end);
  return at < 0 ? host : encoded.slice(0, at + 1) + host;
}

/** Canonical form of already split (and, for fingerprints, already made safe) components. */
export function canonicalizeParts(parts: SplitUrl, keepFragments = false): string {
  let path = parts.path;
  let params = '';
  if (path.includes(';')) [path, params] = splitParams(path);
  let out = parts.scheme + '://' + canonicalNetloc(parts.netloc) + canonicalPath(path);
  if (params) out += ';' + quote(params, CANONICAL_SAFE);
  const query = canonicalQuery(parts.query);
  if (query) out += '?' + query;
  if (keepFragments && parts.fragment) out += '#' + quote(parts.fragment, CANONICAL_SAFE);
  return out;
}

/**
 * Canonical form of a URL, as w3lib's `canonicalize_url(url, keep_fragments=...)` computes it.
 * Throws UrlError (SF_URL_NO_SCHEME, SF_URL_UNSUPPORTED_SCHEME, SF_URL_INVALID_HOST,
 * SF_URL_INVALID) for URLs superfilter cannot crawl.
 */
export function canonicalizeUrl(url: string, options: CanonicalizeOptions = {}): string {
  const parts = splitHttpUrl(url);
  safeNetloc(parts.netloc); // validation only: the same host and port rules as requests
  return canonicalizeParts(parts, options.keepFragments === true);
}
