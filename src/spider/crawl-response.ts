/**
 * The response a spider's `parse` receives: the fetched page and helpers to read it.
 *
 * Invariants: nothing is decoded or parsed until asked for, and then only once — `text` is
 * decoded on first access (BOM, Content-Type charset, `<meta>` charset, else UTF-8), `links()`
 * scans the text once per option set, and cheerio is imported only on the first `$()` call, so
 * a spider that never uses CSS queries never loads it. `links()` is scoped against the
 * response URL (after redirects), which is also the base of relative links.
 */
import type { CheerioAPI } from 'cheerio';
import type { QueuedRequest } from '../contracts.ts';
import { ErrorCodes, SpiderError } from '../errors.ts';
import { type ExtractLinksOptions, type HtmlScan, scanHtml } from '../url/extract-links.ts';
import { type Scope, createScope } from '../url/scope.ts';
import { type UrlPatternOptions, createUrlFilter } from '../url/url-patterns.ts';
import { type DetectedEncoding, decodeBody, detectEncoding } from './detect-encoding.ts';

/** Header fields in any of the shapes HTTP clients hand out. */
export type HeadersInit =
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>
  | { forEach(callback: (value: string, name: string) => void): void };

/** Options of {@link CrawlResponse.links}. */
export interface LinksOptions extends UrlPatternOptions, ExtractLinksOptions {
  /** Which links to keep relative to the response URL; `any` keeps all. */
  scope?: Scope;
}

/** What the engine knows when it builds a response. */
export interface CrawlResponseInit {
  /** The URL the body came from, after redirects. */
  url: string;
  status: number;
  headers?: HeadersInit;
  body?: Uint8Array;
  /** The request as the store keeps it. */
  request: QueuedRequest;
  /** Defaults for `links()`: normally the crawl's scope, patterns and `maxLinksPerPage`. */
  linkDefaults?: LinksOptions;
}

const EMPTY = new Uint8Array(0);
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
/** The HTML signatures of the MIME sniffing standard (after optional BOM and whitespace). */
const HTML_SNIFF = /^(?:\u00EF\u00BB\u00BF)?[\t\n\f\r ]*(?:<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)[ >]|<!--)/i;

function normalizeHeaders(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined || init === null) return out;
  const put = (name: string, value: string) => {
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  };
  if (typeof (init as { forEach?: unknown }).forEach === 'function' && !Array.isArray(init)) {
    (init as { forEach(cb: (v: string, n: string) => void): void }).forEach((v, n) => {
      put(n, v);
    });
  } else if (Symbol.iterator in (init as object)) {
    for (const [n, v] of init as Iterable<readonly [string, string]>) put(n, v);
  } else {
    for (const [n, v] of Object.entries(init as Record<string, string | readonly string[] | undefined>)) {
      if (v === undefined) continue;
      if (typeof v === 'string') put(n, v);
      else for (const one of v) put(n, one);
    }
  }
  return out;
}

/** A fetched page as a spider sees it. */
export class CrawlResponse {
  /** The URL the body came from, after redirects. */
  readonly url: string;
  readonly status: number;
  /** Header fields with lower-case names; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The (decompressed) body bytes. */
  readonly body: Uint8Array;
  /** The request that led here, as queued (its `label`, `userData`, `depth`, …). */
  readonly request: QueuedRequest;
  private readonly linkDefaults: LinksOptions;
  private detected: DetectedEncoding | undefined;
  private decoded: string | undefined;
  private scans: Map<string, HtmlScan> | undefined;
  private cheerio: Promise<CheerioAPI> | undefined;

  /** Wraps what the downloader fetched; nothing is decoded yet. */
  constructor(init: CrawlResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = normalizeHeaders(init.headers);
    this.body = init.body ?? EMPTY;
    this.request = init.request;
    this.linkDefaults = init.linkDefaults ?? {};
  }

  /** One header field by name (any case), or undefined. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** The media type without parameters, lower case (`text/html`), or '' when absent. */
  get contentType(): string {
    const value = this.headers['content-type'];
    return value === undefined ? '' : value.split(';', 1)[0].trim().toLowerCase();
  }

  /** True for `text/html` and XHTML, or, without a Content-Type, for a body that starts like HTML. */
  get isHtml(): boolean {
    const type = this.contentType;
    if (type !== '') return HTML_TYPES.has(type);
    const head = Buffer.from(this.body.buffer, this.body.byteOffset, Math.min(this.body.byteLength, 512)).toString('latin1');
    return HTML_SNIFF.test(head);
  }

  /** The encoding `text` is decoded with (a WHATWG name such as `utf-8` or `shift_jis`). */
  get encoding(): string {
    this.detected ??= detectEncoding(this.body, this.headers['content-type'], this.isHtml);
    return this.detected.encoding;
  }

  /** The body as text, decoded on first use in {@link encoding}. */
  get text(): string {
    this.decoded ??= decodeBody(this.body, this.encoding);
    return this.decoded;
  }

  /** The body parsed as JSON. Throws SpiderError SF_SPIDER_PARSE when it is not JSON. */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text) as T;
    } catch (cause) {
      throw new SpiderError(ErrorCodes.SPIDER_PARSE, `response from ${this.url} is not JSON: ${(cause as Error).message}`, {
        cause,
        details: { url: this.url, status: this.status },
      });
    }
  }

  private scan(options: ExtractLinksOptions): HtmlScan {
    const key = `${options.maxLinks ?? ''}|${options.keepFragments ?? ''}|${options.linkRels?.join(' ') ?? ''}|${options.skipNofollow ?? ''}`;
    this.scans ??= new Map();
    let found = this.scans.get(key);
    if (found === undefined) {
      found = scanHtml(this.text, this.url, options);
      this.scans.set(key, found);
    }
    return found;
  }

  /**
   * Absolute http(s) links of an HTML page in document order (`<a>`, `<area>`, resolved
   * against `<base href>`), kept when in `scope` of the response URL and passing the
   * include / exclude patterns. Options not given fall back to the crawl's (scope `host`
   * when the crawl gave none). Non-HTML responses have no links.
   */
  links(options: LinksOptions = {}): string[] {
    if (!this.isHtml) return [];
    const merged: LinksOptions = { ...this.linkDefaults, ...options };
    const found = this.scan(merged).links;
    const scope = merged.scope ?? 'host';
    const inScope = scope === 'any' ? null : createScope(scope, [this.url]);
    const passes = createUrlFilter(merged);
    return found.filter((url) => (inScope === null || inScope.test(url)) && passes(url));
  }

  /** The text of the first `<title>`, entity-decoded and whitespace-collapsed; null without one. */
  get title(): string | null {
    return this.isHtml ? this.scan(this.linkDefaults).title : null;
  }

  /**
   * The page loaded into cheerio for CSS queries: `const $ = await response.$(); $('h1').text()`.
   * Cheerio is imported on the first call only; the parsed document is reused afterwards.
   */
  $(): Promise<CheerioAPI> {
    this.cheerio ??= import('cheerio').then((cheerio) => cheerio.load(this.text, { baseURI: this.url }));
    return this.cheerio;
  }
}
