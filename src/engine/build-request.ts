/**
 * Turns what a spider yields (a CrawlRequest) into what stores keep (a QueuedRequest): the safe
 * URL to fetch (fragment dropped), the Scrapy-compatible fingerprint as id, the politeness host
 * key, depth, priority, routing label, user data and a base64 body.
 *
 * Invariants: the id of a filtered request is its 40-hex fingerprint, so the same page found
 * twice (in any link form the canonicaliser folds) has one id; a `dontFilter` request gets a
 * unique id but keeps its fingerprint. Bad or over-long URLs are reported, never thrown.
 */
import { randomBytes } from 'node:crypto';
import type { CrawlRequest, QueuedRequest } from '../contracts.ts';
import { ErrorCodes, type SuperfilterError, UrlError, errorCodeOf } from '../errors.ts';
import { fingerprintHex } from '../fingerprint/fingerprint.ts';
import { fastAbsoluteHref, fastHrefHost } from '../url/resolve-href.ts';

/** Where a request was found and what the engine already knows about it. */
export interface BuildContext {
  depth: number;
  maxUrlLength: number;
  parentId?: string;
  redirects?: number;
  /** Resolves relative URLs (the response URL). */
  base?: string;
}

/** A built request, or why none could be built. */
export type BuildResult =
  | { ok: true; request: QueuedRequest }
  | { ok: false; reason: 'url-too-long' | 'invalid-url'; error: SuperfilterError };

let uniqueCounter = 0;
const uniquePrefix = randomBytes(4).toString('hex');

function bad(reason: 'url-too-long' | 'invalid-url', error: SuperfilterError): BuildResult {
  return { ok: false, reason, error };
}

/** Builds one QueuedRequest; reports bad, unsupported or over-long URLs instead of throwing. */
export function buildRequest(req: CrawlRequest, ctx: BuildContext): BuildResult {
  let href: string;
  let host: string;
  const fast = typeof req.url === 'string' ? fastAbsoluteHref(req.url) : null;
  if (fast !== null) {
    href = fast;
    host = fastHrefHost(fast);
  } else {
    let url: URL;
    try {
      url = ctx.base === undefined ? new URL(req.url) : new URL(req.url, ctx.base);
    } catch (cause) {
      return bad('invalid-url', new UrlError(ErrorCodes.URL_INVALID, `not a valid URL: ${String(req.url).slice(0, 200)}`, { cause }));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return bad('invalid-url', new UrlError(ErrorCodes.URL_UNSUPPORTED_SCHEME, `unsupported scheme ${url.protocol} in ${req.url}`));
    }
    if (url.hostname === '') return bad('invalid-url', new UrlError(ErrorCodes.URL_INVALID_HOST, `no host in ${req.url}`));
    url.hash = '';
    href = url.href;
    host = url.host;
  }
  if (href.length > ctx.maxUrlLength) {
    return bad(
      'url-too-long',
      new UrlError(ErrorCodes.URL_TOO_LONG, `URL of ${href.length} characters exceeds the cap of ${ctx.maxUrlLength}`, {
        details: { url: href.slice(0, 200), length: href.length },
      }),
    );
  }
  const method = (req.method ?? 'GET').toUpperCase();
  let fp: string;
  try {
    fp = fingerprintHex({ url: href, method, body: req.body, headers: req.headers });
  } catch (error) {
    const code = errorCodeOf(error);
    return bad('invalid-url', new UrlError(code === 'SF_UNKNOWN' ? ErrorCodes.URL_INVALID : code, `cannot fingerprint ${href}: ${(error as Error).message}`, { cause: error }));
  }
  const out: QueuedRequest = {
    id: req.dontFilter ? `${fp}.${uniquePrefix}${(uniqueCounter++).toString(36)}` : fp,
    fingerprint: fp,
    host,
    url: href,
    method,
    priority: req.priority ?? 0,
    depth: ctx.depth,
  };
  if (req.headers !== undefined) out.headers = req.headers;
  if (req.body !== undefined) out.bodyBase64 = Buffer.from(req.body as string | Uint8Array).toString('base64');
  if (req.label !== undefined) out.label = req.label;
  if (req.userData !== undefined) out.userData = req.userData;
  if (req.dontFilter) out.dontFilter = true;
  if (ctx.redirects) out.redirects = ctx.redirects;
  if (ctx.parentId !== undefined) out.parentId = ctx.parentId;
  return { ok: true, request: out };
}

/** The body bytes of a queued request, if it has one. */
export function requestBody(req: QueuedRequest): Uint8Array | undefined {
  return req.bodyBase64 === undefined ? undefined : Buffer.from(req.bodyBase64, 'base64');
}
