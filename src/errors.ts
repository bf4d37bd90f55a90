/**
 * Every error superfilter raises on purpose, in one place, each with a stable code.
 *
 * Invariants: a code never changes meaning once released; `retryable` says whether the same
 * operation may succeed if tried again later (network, timeouts, a busy store); `cause` keeps
 * the underlying error. Users match on `code`, never on message text.
 */

/** Stable error codes, grouped by the part of superfilter that raises them. */
export const ErrorCodes = {
  // URLs and fingerprints
  URL_INVALID: 'SF_URL_INVALID',
  URL_NO_SCHEME: 'SF_URL_NO_SCHEME',
  URL_UNSUPPORTED_SCHEME: 'SF_URL_UNSUPPORTED_SCHEME',
  URL_INVALID_HOST: 'SF_URL_INVALID_HOST',
  URL_TOO_LONG: 'SF_URL_TOO_LONG',
  FINGERPRINT_INVALID: 'SF_FINGERPRINT_INVALID',
  // configuration and command line
  CONFIG_INVALID: 'SF_CONFIG_INVALID',
  ARGS_INVALID: 'SF_ARGS_INVALID',
  // downloader
  FETCH_CONNECT_TIMEOUT: 'SF_FETCH_CONNECT_TIMEOUT',
  FETCH_IDLE_TIMEOUT: 'SF_FETCH_IDLE_TIMEOUT',
  FETCH_TOTAL_TIMEOUT: 'SF_FETCH_TOTAL_TIMEOUT',
  FETCH_BODY_TOO_LARGE: 'SF_FETCH_BODY_TOO_LARGE',
  FETCH_HEADERS_TOO_LARGE: 'SF_FETCH_HEADERS_TOO_LARGE',
  FETCH_DECODE: 'SF_FETCH_DECODE',
  FETCH_NETWORK: 'SF_FETCH_NETWORK',
  FETCH_HTTP_STATUS: 'SF_FETCH_HTTP_STATUS',
  FETCH_TOO_MANY_REDIRECTS: 'SF_FETCH_TOO_MANY_REDIRECTS',
  FETCH_ABORTED: 'SF_FETCH_ABORTED',
  ROBOTS_DISALLOWED: 'SF_ROBOTS_DISALLOWED',
  // spiders, items, feeds
  SPIDER_LOAD: 'SF_SPIDER_LOAD',
  SPIDER_INVALID: 'SF_SPIDER_INVALID',
  SPIDER_PARSE: 'SF_SPIDER_PARSE',
  ITEM_INVALID: 'SF_ITEM_INVALID',
  FEED_IO: 'SF_FEED_IO',
  // stores
  STORE_CLOSED: 'SF_STORE_CLOSED',
  STORE_LOCKED: 'SF_STORE_LOCKED',
  STORE_CORRUPT: 'SF_STORE_CORRUPT',
  STORE_VERSION: 'SF_STORE_VERSION',
  STORE_READ_ONLY: 'SF_STORE_READ_ONLY',
  STORE_DISK_FULL: 'SF_STORE_DISK_FULL',
  STORE_IO: 'SF_STORE_IO',
  STORE_UNAVAILABLE: 'SF_STORE_UNAVAILABLE',
  STORE_TLS: 'SF_STORE_TLS',
  STORE_AUTH: 'SF_STORE_AUTH',
  STORE_UNKNOWN_LEASE: 'SF_STORE_UNKNOWN_LEASE',
  STORE_INVALID_REQUEST: 'SF_STORE_INVALID_REQUEST',
} as const;

/** One of the stable error codes in {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Options every superfilter error accepts. */
export interface SuperfilterErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/** Base class of every error superfilter raises on purpose. */
export class SuperfilterError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SuperfilterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** A URL that cannot be crawled or fingerprinted: no scheme, unsupported scheme, bad host, too long. */
export class UrlError extends SuperfilterError {}

/** A configuration value or command-line argument that does not fit the schema. */
export class ConfigError extends SuperfilterError {}

/** A request that failed in the downloader: timeouts, limits, network, HTTP status, robots. */
export class FetchError extends SuperfilterError {}

/** A spider that could not be loaded, is malformed, or threw while parsing a response. */
export class SpiderError extends SuperfilterError {}

/** A store (seen set, frontier, job directory, Redis) that could not do what was asked. */
export class StoreError extends SuperfilterError {}

/** A feed (items output) that could not be written. */
export class FeedError extends SuperfilterError {}

/** True when `error` is one of superfilter's own errors (optionally with the given code). */
export function isSuperfilterError(error: unknown, code?: ErrorCode): error is SuperfilterError {
  return error instanceof SuperfilterError && (code === undefined || error.code === code);
}

/** The stable code of an error, or `SF_UNKNOWN` for errors superfilter did not raise itself. */
export function errorCodeOf(error: unknown): ErrorCode | 'SF_UNKNOWN' {
  return error instanceof SuperfilterError ? error.code : 'SF_UNKNOWN';
}
