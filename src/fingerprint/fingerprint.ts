/**
 * Scrapy-compatible request fingerprints: SHA-1 over
 * `json.dumps({"body": body.hex(), "headers": {...}, "method": M, "url": canonical}, sort_keys=True)`
 * exactly as `scrapy.utils.request.fingerprint` (Scrapy >= 2.7) computes it, where the URL is
 * first made safe as `Request` does and then canonicalized by w3lib's `canonicalize_url`.
 *
 * Invariants: the result is 20 bytes and equals Scrapy's for the same request; headers count
 * only when named in `includeHeaders` (matched case-insensitively, the last of several
 * same-named keys wins, as Scrapy's `Headers` does); invalid URLs raise UrlError, nothing else
 * throws for well-typed input.
 */
import { hash } from 'node:crypto';
import { ErrorCodes, UrlError } from '../errors.ts';
import { canonicalizeParts } from '../url/canonicalize-url.ts';
import { canonicalUrlInto } from '../url/fast-canonical-url.ts';
import { safeUrlParts } from '../url/safe-url.ts';
import { pythonJsonString } from './python-json.ts';

/** What is fingerprinted of a request. Only `url` is required. */
export interface FingerprintRequest {
  url: string;
  /** HTTP method; upper-cased; default GET. */
  method?: string;
  /** Body: a string is UTF-8 encoded, as Scrapy encodes it with the default request encoding. */
  body?: string | Uint8Array;
  headers?: Record<string, string | string[]>;
}

/** Options of {@link fingerprint}, named as Scrapy names them. */
export interface FingerprintOptions {
  /** Header names whose values count (case-insensitive). Default: none. */
  includeHeaders?: readonly string[];
  /** Keep the URL fragment (default false). */
  keepFragments?: boolean;
}

const PLAIN_GET_PREFIX = '{"body": "", "headers": {}, "method": "GET", "url": ';

// The JSON text of a plain GET is built here, after a constant prefix written once: the
// canonical URL is written straight after it by the fast path (see fast-canonical-url.ts).
const SCRATCH = Buffer.alloc(65536);
const URL_AT = SCRATCH.write(PLAIN_GET_PREFIX + '"', 'latin1');
// Views of SCRATCH by length, so hashing one needs no new view object.
const VIEW_CACHE_LIMIT = 4096;
const views: Buffer[] = [];
let fastPath = true;

/**
 * Turns the one-pass fast path for common URLs on or off (default on) and returns the
 * previous setting. Both give identical results; off is for differential tests and A/B benchmarks.
 */
export function setFingerprintFastPath(enabled: boolean): boolean {
  const previous = fastPath;
  fastPath = enabled;
  return previous;
}

/** End of the canonical URL written at URL_AT, or -1 where the exact path must run. */
function fastCanonical(url: string, keepFragments: boolean): number {
  if (!fastPath || typeof url !== 'string') return -1;
  return canonicalUrlInto(url, SCRATCH, URL_AT, SCRATCH.length - 2, keepFragments);
}

/** The whole plain-GET JSON text in SCRATCH as a view, or null where the exact path must run. */
function fastJsonView(url: string, keepFragments: boolean): Buffer | null {
  const end = fastCanonical(url, keepFragments);
  if (end < 0) return null;
  SCRATCH[end] = 34; // "
  SCRATCH[end + 1] = 125; // }
  const length = end + 2;
  if (length >= VIEW_CACHE_LIMIT) return SCRATCH.subarray(0, length);
  let view = views[length];
  if (view === undefined) {
    view = SCRATCH.subarray(0, length);
    views[length] = view;
  }
  return view;
}

function isPlainGet(request: FingerprintRequest, options: FingerprintOptions): boolean {
  return (
    (request.method === undefined || request.method === 'GET') &&
    (request.body === undefined || request.body === null || request.body === '') &&
    !options.includeHeaders?.length
  );
}

/** The canonical URL that a request's fingerprint covers (safe URL, then canonicalized). */
export function fingerprintUrl(url: string, keepFragments = false): string {
  const end = fastCanonical(url, keepFragments);
  if (end >= 0) return SCRATCH.toString('latin1', URL_AT, end);
  return canonicalizeParts(safeUrlParts(url), keepFragments);
}

function utf8Hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

function bytesHex(body: string | Uint8Array | undefined): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body.length === 0 ? '' : utf8Hex(body);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('hex');
}

function headersJson(request: FingerprintRequest, include: readonly string[] | undefined): string {
  if (!include || include.length === 0 || !request.headers) return '{}';
  const byName = new Map<string, string | string[]>();
  for (const [name, value] of Object.entries(request.headers)) byName.set(name.toLowerCase(), value);
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const wanted of include) {
    const lower = wanted.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    const value = byName.get(lower);
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    entries.push([utf8Hex(lower), '[' + values.map((v) => '"' + utf8Hex(String(v)) + '"').join(', ') + ']']);
  }
  if (entries.length === 0) return '{}';
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return '{' + entries.map(([k, v]) => '"' + k + '": ' + v).join(', ') + '}';
}

/** The exact JSON text Scrapy hashes for this request. */
export function fingerprintJson(request: FingerprintRequest, options: FingerprintOptions = {}): string {
  const url = fingerprintUrl(request.url, options.keepFragments === true);
  // The common request (GET, no body, no headers counted) has a constant prefix.
  if (request.method === undefined && (request.body === undefined || request.body === null) && !options.includeHeaders?.length) {
    return PLAIN_GET_PREFIX + pythonJsonString(url) + '}';
  }
  const method = request.method === undefined ? 'GET' : String(request.method).toUpperCase();
  return (
    '{"body": "' +
    bytesHex(request.body) +
    '", "headers": ' +
    headersJson(request, options.includeHeaders) +
    ', "method": ' +
    pythonJsonString(method) +
    ', "url": ' +
    pythonJsonString(url) +
    '}'
  );
}

/** Scrapy's request fingerprint: 20 bytes of SHA-1. Throws UrlError for an invalid URL. */
export function fingerprint(request: FingerprintRequest, options: FingerprintOptions = {}): Uint8Array {
  const out = new Uint8Array(20);
  fingerprintInto(request, out, 0, options);
  return out;
}

/**
 * Writes the 20 fingerprint bytes into `target` at `offset`, allocating nothing per call (for
 * batches: one buffer of 20 * n bytes). Throws UrlError for an invalid URL.
 */
export function fingerprintInto(
  request: FingerprintRequest,
  target: Uint8Array,
  offset: number,
  options: FingerprintOptions = {},
): void {
  // A binary (latin1) digest string is much cheaper to get from node:crypto than a Buffer.
  const view = isPlainGet(request, options) ? fastJsonView(request.url, options.keepFragments === true) : null;
  const digest = hash('sha1', view ?? fingerprintJson(request, options), 'binary');
  for (let i = 0; i < 20; i++) target[offset + i] = digest.charCodeAt(i);
}

/** Scrapy's request fingerprint as 40 lower-case hex digits (the `requests.seen` line format). */
export function fingerprintHex(request: FingerprintRequest, options: FingerprintOptions = {}): string {
  const view = isPlainGet(request, options) ? fastJsonView(request.url, options.keepFragments === true) : null;
  return hash('sha1', view ?? fingerprintJson(request, options), 'hex');
}

const HEX40 = /^[0-9a-fA-F]{40}$/;

/** Parses 40 hex digits into a fingerprint; anything else is UrlError SF_FINGERPRINT_INVALID. */
export function fingerprintFromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX40.test(hex)) {
    throw new UrlError(ErrorCodes.FINGERPRINT_INVALID, 'a fingerprint is 40 hexadecimal digits', {
      details: { value: typeof hex === 'string' ? hex.slice(0, 80) : typeof hex },
    });
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** 40 lower-case hex digits of a 20-byte fingerprint; other lengths are SF_FINGERPRINT_INVALID. */
export function fingerprintToHex(fp: Uint8Array): string {
  if (!(fp instanceof Uint8Array) || fp.length !== 20) {
    throw new UrlError(ErrorCodes.FINGERPRINT_INVALID, 'a fingerprint is 20 bytes', {
      details: { length: fp instanceof Uint8Array ? fp.length : null },
    });
  }
  return Buffer.from(fp.buffer, fp.byteOffset, 20).toString('hex');
}
