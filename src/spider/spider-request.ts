/**
 * Requests as spiders make them, and how they are told apart from items.
 *
 * A spider's `parse` yields two kinds of things into one stream: items (plain objects) and
 * requests. A plain object with a `url` field is a perfectly good item, so requests are never
 * guessed from their shape: they are made with `request()` (or `ctx.request()` /
 * `ctx.follow()`), which brands them with a registered symbol. The symbol is looked up by
 * `Symbol.for`, so a spider importing superfilter from another copy of the package (dist vs
 * src) still makes requests this copy recognises; it is an enumerable property so that
 * `{ ...req, priority: 5 }` stays a request, and JSON never sees it.
 *
 * Invariant: `request()` returns only absolute http(s) URLs with well-typed options.
 */
import type { CrawlRequest } from '../contracts.ts';
import { ErrorCodes, SpiderError, UrlError } from '../errors.ts';
import { fastAbsoluteHref } from '../url/resolve-href.ts';

/** The brand of a request made by {@link request}. */
export const REQUEST_BRAND: unique symbol = Symbol.for('superfilter.request') as never;

/** A request made by {@link request}: a CrawlRequest carrying the brand. */
export type SpiderRequest = CrawlRequest & { readonly [REQUEST_BRAND]: true };

/** Everything a request may carry besides its URL. */
export type RequestOptions = Omit<CrawlRequest, 'url'>;

const OPTION_KEYS = new Set(['method', 'headers', 'body', 'priority', 'label', 'userData', 'dontFilter']);

function invalid(message: string, details: Record<string, unknown> = {}): SpiderError {
  return new SpiderError(ErrorCodes.SPIDER_INVALID, message, { details });
}

/** Parses `url` (relative to `base` when given) into an absolute http(s) URL string. */
export function absoluteHttpUrl(url: string | URL, base?: string): string {
  const text = String(url);
  // Links from the extractor are already in WHATWG form: no need to parse them again.
  const fast = fastAbsoluteHref(text, true);
  if (fast !== null) return fast;
  let parsed: URL;
  try {
    parsed = new URL(text, base);
  } catch (cause) {
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(text.trim());
    throw new UrlError(hasScheme || base ? ErrorCodes.URL_INVALID : ErrorCodes.URL_NO_SCHEME, `not an absolute URL: ${JSON.stringify(text)}`, {
      cause,
      details: { url: text },
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UrlError(ErrorCodes.URL_UNSUPPORTED_SCHEME, `only http and https URLs can be crawled: ${JSON.stringify(text)}`, {
      details: { url: text },
    });
  }
  return parsed.href;
}

/** Throws SpiderError SF_SPIDER_INVALID unless `options` are well-typed request options. */
export function validateRequestOptions(options: unknown, where = 'request'): asserts options is RequestOptions {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw invalid(`${where}: options must be an object`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key) && key !== 'url') throw invalid(`${where}: unknown option "${key}"`, { option: key });
  }
  if (o.method !== undefined && (typeof o.method !== 'string' || !/^[A-Za-z]+$/.test(o.method))) {
    throw invalid(`${where}: method must be an HTTP method name`, { option: 'method' });
  }
  if (o.headers !== undefined) {
    if (o.headers === null || typeof o.headers !== 'object' || Array.isArray(o.headers)) throw invalid(`${where}: headers must be an object`);
    for (const [k, v] of Object.entries(o.headers)) {
      if (typeof v !== 'string') throw invalid(`${where}: header "${k}" must be a string`, { option: 'headers' });
    }
  }
  if (o.body !== undefined && typeof o.body !== 'string' && !(o.body instanceof Uint8Array)) {
    throw invalid(`${where}: body must be a string or a Uint8Array`, { option: 'body' });
  }
  if (o.priority !== undefined && (typeof o.priority !== 'number' || !Number.isFinite(o.priority))) {
    throw invalid(`${where}: priority must be a finite number`, { option: 'priority' });
  }
  if (o.label !== undefined && (typeof o.label !== 'string' || o.label === '')) {
    throw invalid(`${where}: label must be a non-empty string`, { option: 'label' });
  }
  if (o.userData !== undefined && (o.userData === null || typeof o.userData !== 'object' || Array.isArray(o.userData))) {
    throw invalid(`${where}: userData must be an object`, { option: 'userData' });
  }
  if (o.dontFilter !== undefined && typeof o.dontFilter !== 'boolean') {
    throw invalid(`${where}: dontFilter must be true or false`, { option: 'dontFilter' });
  }
}

/**
 * Makes a request for a spider to yield. `url` must be absolute (use `ctx.request` to resolve
 * against the page). Throws UrlError for a bad or non-http(s) URL, SpiderError
 * SF_SPIDER_INVALID for bad options.
 */
export function request(url: string | URL, options?: RequestOptions): SpiderRequest {
  validateRequestOptions(options);
  const out: CrawlRequest = { ...(options ?? {}), url: absoluteHttpUrl(url) };
  for (const key of Object.keys(out) as (keyof CrawlRequest)[]) if (out[key] === undefined) delete out[key];
  return Object.assign(out, { [REQUEST_BRAND]: true as const });
}

/** True when `value` was made by {@link request} (by any copy of superfilter). */
export function isSpiderRequest(value: unknown): value is SpiderRequest {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REQUEST_BRAND] === true;
}

/** The plain CrawlRequest of a branded request (the brand removed), for the engine. */
export function toCrawlRequest(value: SpiderRequest | CrawlRequest): CrawlRequest {
  const { [REQUEST_BRAND]: _brand, ...rest } = value as SpiderRequest;
  return rest;
}

/**
 * A start request from what a spider gave: a URL string, a branded request or a plain
 * `{ url, ... }` object (start requests cannot be items, so no brand is needed there).
 */
export function startRequestFrom(value: unknown, where: string): CrawlRequest {
  if (typeof value === 'string' || value instanceof URL) return { url: absoluteHttpUrl(value) };
  if (value === null || typeof value !== 'object' || typeof (value as { url?: unknown }).url !== 'string') {
    throw invalid(`${where} must be a URL string or a request object with a url`, { where });
  }
  const { url, ...options } = toCrawlRequest(value as CrawlRequest);
  validateRequestOptions(options, where);
  return { ...options, url: absoluteHttpUrl(url) };
}
