/**
 * What Scrapy's `Request` does to a URL before anything else sees it: w3lib's
 * `safe_url_string` (2.4): strip, split, percent-encode unsafe characters per component,
 * encode the host with IDNA 2003, normalize the port number.
 *
 * Invariants: only http and https URLs with a non-empty, well-formed host pass; every other
 * input raises UrlError with SF_URL_NO_SCHEME, SF_URL_UNSUPPORTED_SCHEME,
 * SF_URL_INVALID_HOST or SF_URL_INVALID. The result is ASCII and `safeUrl(safeUrl(x))`
 * equals `safeUrl(x)`.
 */
import { ErrorCodes, UrlError } from '../errors.ts';
import { idnaEncode } from './idna.ts';
import { splitNetloc, splitUrl, stripUrl, type SplitUrl } from './parse-url.ts';
import { PATH_SAFEST, quote, requoteText, SPECIAL_QUERY_SAFEST, USERINFO_SAFEST } from './percent-encoding.ts';

/** Schemes superfilter crawls and fingerprints. */
export const SUPPORTED_SCHEMES: ReadonlySet<string> = new Set(['http', 'https']);

// Characters a host may hold once IDNA-encoded (RFC 3986 reg-name, lower-cased by the parser).
const HOST_OK = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%") HOST_OK[c.charCodeAt(0)] = 1;

/** Throws the typed error for a URL without a usable scheme, or returns its split form. */
export function splitHttpUrl(raw: string): SplitUrl {
  if (typeof raw !== 'string') throw new UrlError(ErrorCodes.URL_INVALID, 'URL must be a string');
  const url = stripUrl(raw);
  const parts = splitUrl(url);
  if (!parts.scheme) {
    throw new UrlError(ErrorCodes.URL_NO_SCHEME, `missing scheme in URL "${url.slice(0, 200)}"`, { details: { url } });
  }
  if (!SUPPORTED_SCHEMES.has(parts.scheme)) {
    throw new UrlError(ErrorCodes.URL_UNSUPPORTED_SCHEME, `unsupported scheme "${parts.scheme}" (only http and https)`, {
      details: { url, scheme: parts.scheme },
    });
  }
  if (!parts.hasNetloc) {
    throw new UrlError(ErrorCodes.URL_INVALID_HOST, `URL has no host (expected "${parts.scheme}://host/...")`, { details: { url } });
  }
  return parts;
}

function hostError(message: string, host: string): UrlError {
  return new UrlError(ErrorCodes.URL_INVALID_HOST, message, { details: { host } });
}

/** Python's `SplitResult.hostname`: lower-cased, except an IPv6 zone id. */
function pythonHostname(host: string): string {
  const pct = host.indexOf('%');
  return pct < 0 ? host.toLowerCase() : host.slice(0, pct).toLowerCase() + host.slice(pct);
}

/** The host as it appears in a safe URL (IDNA-encoded, IPv6 in brackets), validated. */
export function safeHost(rawHost: string): string {
  if (rawHost === '') throw hostError('URL has an empty host', rawHost);
  const hostname = pythonHostname(rawHost);
  if (hostname.includes(':')) return `[${hostname}]`;
  // w3lib keeps the host as it is where IDNA fails (empty or over-long labels).
  const host = idnaEncode(hostname) ?? hostname;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c >= 128 || HOST_OK[c] === 0) throw hostError(`host "${rawHost}" holds a character hosts cannot hold`, rawHost);
  }
  return host;
}

/** Python's `SplitResult.port` rules: ASCII digits, 0..65535; returns the normalized text. */
export function safePort(port: string): string {
  for (let i = 0; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 48 || c > 57) throw hostError(`port "${port}" is not a number`, port);
  }
  const n = Number.parseInt(port, 10);
  if (n > 65535) throw hostError(`port ${n} is out of range 0-65535`, port);
  return String(n);
}

// Crawls revisit the same few hosts: remember their safe netlocs (bounded, cleared when full).
const NETLOC_CACHE_LIMIT = 4096;
const netlocCache = new Map<string, string>();

/** The netloc of a safe URL: re-escaped userinfo, encoded host, normalized port. */
export function safeNetloc(netloc: string): string {
  const cached = netlocCache.get(netloc);
  if (cached !== undefined) return cached;
  const safe = computeSafeNetloc(netloc);
  if (netlocCache.size >= NETLOC_CACHE_LIMIT) netlocCache.clear();
  netlocCache.set(netloc, safe);
  return safe;
}

function computeSafeNetloc(netloc: string): string {
  const { username, password, host, port } = splitNetloc(netloc);
  let out = '';
  if (username !== null || password !== null) {
    if (username !== null) out += requoteText(username, USERINFO_SAFEST);
    if (password !== null) out += ':' + requoteText(password, USERINFO_SAFEST);
    out += '@';
  }
  out += safeHost(host);
  if (port !== null) out += ':' + safePort(port);
  return out;
}

/** The components of the safe URL (see {@link safeUrl}), already encoded. */
export function safeUrlParts(url: string): SplitUrl {
  const parts = splitHttpUrl(url);
  return {
    scheme: parts.scheme,
    netloc: safeNetloc(parts.netloc),
    hasNetloc: true,
    path: quote(parts.path, PATH_SAFEST),
    query: quote(parts.query, SPECIAL_QUERY_SAFEST),
    fragment: parts.fragment ? quote(parts.fragment, PATH_SAFEST) : '',
  };
}

/** Joins split components the way Python's `urlunsplit` does for URLs with a netloc. */
export function joinUrl(parts: SplitUrl): string {
  let out = parts.scheme + '://' + parts.netloc + parts.path;
  if (parts.query) out += '?' + parts.query;
  if (parts.fragment) out += '#' + parts.fragment;
  return out;
}

/**
 * The URL Scrapy's `Request` stores and fingerprints: w3lib `safe_url_string(url)` with UTF-8.
 * Throws UrlError for URLs superfilter cannot crawl (see the module invariants).
 */
export function safeUrl(url: string): string {
  return joinUrl(safeUrlParts(url));
}
