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

/** Reused name and value lists of {@link canonicalQuery} (it never re-enters itself). */
const queryNames: string[] = [];
const queryValues: string[] = [];

/** The query as `urlencode(sorted(parse_qsl_to_bytes(query, keep_blank_values=True)))`. */
export function canonicalQuery(query: string): string {
  if (!query) return '';
  const names = queryNames;
  const values = queryValues;
  let count = 0;
  let start = 0;
  const n = query.length;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 38 : query.charCodeAt(i);
    if (c !== 38 && c !== 59) continue;
    if (i > start) {
      const eq = query.indexOf('=', start);
      const name = eq < 0 || eq >= i ? query.slice(start, i) : query.slice(start, eq);
      const value = eq < 0 || eq >= i ? '' : query.slice(eq + 1, i);
      names[count] = unquoteToBytes(name, true);
      values[count] = unquoteToBytes(value, true);
      count++;
    }
    start = i + 1;
  }
  // A stable sort by (name, value) bytes, like Python's: insertion sort for the usual few
  // pairs, a merge through an index array beyond that.
  if (count > 16) sortPairsByIndex(names, values, count);
  else {
    for (let k = 1; k < count; k++) {
      const name = names[k];
      const value = values[k];
      let j = k - 1;
      while (j >= 0 && (compareBytes(names[j], name) || compareBytes(values[j], value)) > 0) {
        names[j + 1] = names[j];
        values[j + 1] = values[j];
        j--;
      }
      names[j + 1] = name;
      values[j + 1] = value;
    }
  }
  let out = '';
  for (let k = 0; k < count; k++) {
    if (k > 0) out += '&';
    out += quoteBytes(names[k], FORM_SAFE, true) + '=' + quoteBytes(values[k], FORM_SAFE, true);
  }
  // Drop references so long queries are not kept alive by the scratch lists.
  if (names.length > 64) {
    names.length = 0;
    values.length = 0;
  }
  return out;
}

function sortPairsByIndex(names: string[], values: string[], count: number): void {
  const order = Array.from({ length: count }, (_, k) => k);
  order.sort((a, b) => compareBytes(names[a], names[b]) || compareBytes(values[a], values[b]) || a - b);
  const n2 = order.map((k) => names[k]);
  const v2 = order.map((k) => values[k]);
  for (let k = 0; k < count; k++) {
    names[k] = n2[k];
    values[k] = v2[k];
  }
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

/** The canonical path followed by the `;params` of its last segment (escaped, not normalized). */
export function canonicalPathAndParams(rawPath: string): string {
  if (!rawPath.includes(';')) return canonicalPath(rawPath);
  const [path, params] = splitParams(rawPath);
  return params ? canonicalPath(path) + ';' + quote(params, CANONICAL_SAFE) : canonicalPath(path);
}

/** Canonical form of already split (and, for fingerprints, already made safe) components. */
export function canonicalizeParts(parts: SplitUrl, keepFragments = false): string {
  let out = parts.scheme + '://' + canonicalNetloc(parts.netloc) + canonicalPathAndParams(parts.path);
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
