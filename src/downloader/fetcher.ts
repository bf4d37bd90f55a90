/**
 * One HTTP fetch of one request, bounded in every way, over a shared undici connection pool.
 *
 * Invariants: a fetch either resolves with a fully read, decoded body or rejects with a
 * FetchError carrying a stable code and `retryable`; it never follows redirects (the engine
 * turns a 3xx into a new request that passes scope and the seen set); on any failure the
 * response stream is destroyed, so undici drops the socket rather than reusing a half-read one.
 * Every timer and listener a fetch sets is cleared before it settles.
 */
import { Agent, buildConnector } from 'undici';
import { configSchema } from '../config.ts';
import { ErrorCodes, FetchError } from '../errors.ts';
import { parseContentEncoding, readBody } from './body-reader.ts';
import { parseResolveEntries, type ResolveMap } from './resolve-entries.ts';

/** What to fetch. */
export interface FetchRequest {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Overrides the fetcher's body cap for this request. */
  maxBodyBytes?: number;
  /** Past the cap, return the first bytes (result.truncated) instead of failing. */
  truncateBody?: boolean;
}

/** A response, read and decoded. */
export interface FetchResult {
  url: string;
  status: number;
  /** Lower-case names; repeated fields joined with ", " (Set-Cookie is in `setCookie`). */
  headers: Record<string, string>;
  /** Each Set-Cookie field, in order (they cannot be joined). */
  setCookie: string[];
  /** Decoded body (Content-Encoding undone; the header is left as received). */
  body: Uint8Array;
  /** Body bytes received from the network before decoding. */
  bytesOnWire: number;
  elapsedMs: number;
  contentType?: string;
  /** True only when `truncateBody` was asked for and the cap was hit. */
  truncated: boolean;
}

/** Fetcher limits and connection settings; defaults come from the config schema. */
export interface FetcherOptions {
  userAgent?: string;
  connectTimeoutMs?: number;
  /** Longest silence while waiting for headers or between body bytes. */
  idleTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
  maxUrlLength?: number;
  /** Open connections per origin (size it to the per-host concurrency). */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
  /** `host:port:address` entries (curl --resolve); parsed and validated at construction. */
  resolve?: readonly string[];
  /** Headers sent with every request unless the request sets them. */
  defaultHeaders?: Record<string, string>;
}

const DEFAULT_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

function fetchError(code: (typeof ErrorCodes)[keyof typeof ErrorCodes], message: string, url: string, retryable: boolean, cause?: unknown): FetchError {
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  return new FetchError(code, message, { cause, retryable, details: { url, ...(typeof causeCode === 'string' ? { causeCode } : {}) } });
}

/** Maps what undici, node:net or the body reader threw to one FetchError. */
function classify(error: unknown, url: string, abortedBy: 'total' | 'caller' | null, limits: { totalTimeoutMs: number }): FetchError {
  if (error instanceof FetchError) return error;
  if (abortedBy === 'total') return fetchError(ErrorCodes.FETCH_TOTAL_TIMEOUT, `${url}: no complete response within ${limits.totalTimeoutMs} ms`, url, true, error);
  if (abortedBy === 'caller') return fetchError(ErrorCodes.FETCH_ABORTED, `${url}: fetch aborted`, url, false, error);
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = (error as Error | null)?.message ?? String(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return fetchError(ErrorCodes.FETCH_CONNECT_TIMEOUT, `${url}: connect timeout`, url, true, error);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return fetchError(ErrorCodes.FETCH_IDLE_TIMEOUT, `${url}: no response headers within the idle timeout`, url, true, error);
    case 'UND_ERR_BODY_TIMEOUT':
      return fetchError(ErrorCodes.FETCH_IDLE_TIMEOUT, `${url}: body stalled past the idle timeout`, url, true, error);
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'HPE_HEADER_OVERFLOW':
      return fetchError(ErrorCodes.FETCH_HEADERS_TOO_LARGE, `${url}: response headers exceed the size cap`, url, false, error);
    case 'UND_ERR_INVALID_ARG':
      return fetchError(ErrorCodes.FETCH_NETWORK, `${url}: invalid request: ${message}`, url, false, error);
  }
  if (code.startsWith('HPE_')) return fetchError(ErrorCodes.FETCH_NETWORK, `${url}: malformed HTTP response (${code})`, url, false, error);
  const retryable = NETWORK_CODES.has(code) || code === '' || code.startsWith('E');
  return fetchError(ErrorCodes.FETCH_NETWORK, `${url}: ${message}`, url, retryable, error);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): { headers: Record<string, string>; setCookie: string[] } {
  const headers: Record<string, string> = {};
  let setCookie: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'set-cookie') setCookie = Array.isArray(value) ? value : [value];
    else headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { headers, setCookie };
}

/**
 * The target of a redirect response: Location resolved against the response URL, or null when
 * the status is not a redirect, Location is missing or unparsable, or the target is not http(s).
 */
export function redirectTarget(result: Pick<FetchResult, 'status' | 'headers' | 'url'>): string | null {
  if (!REDIRECT_STATUSES.has(result.status)) return null;
  const location = result.headers.location;
  if (!location) return null;
  try {
    const target = new URL(location.trim(), result.url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
    target.hash = '';
    return target.href;
  } catch {
    return null;
  }
}

/** Fetches requests over one keep-alive pool with the limits of {@link FetcherOptions}. */
export class Fetcher {
  readonly userAgent: string;
  private readonly agent: Agent;
  private readonly resolveMap: ResolveMap;
  private readonly limits: Required<Pick<FetcherOptions, 'totalTimeoutMs' | 'maxBodyBytes' | 'maxUrlLength'>>;
  private readonly defaultHeaders: Record<string, string>;

  /** Builds the pool; throws ConfigError SF_CONFIG_INVALID for a malformed `resolve` entry. */
  constructor(options: FetcherOptions = {}) {
    const d = configSchema;
    this.userAgent = options.userAgent ?? d.userAgent.default;
    this.limits = {
      totalTimeoutMs: options.totalTimeoutMs ?? d.totalTimeoutMs.default,
      maxBodyBytes: options.maxBodyBytes ?? d.maxBodyBytes.default,
      maxUrlLength: options.maxUrlLength ?? d.maxUrlLength.default,
    };
    this.resolveMap = parseResolveEntries(options.resolve ?? []);
    const idle = options.idleTimeoutMs ?? d.idleTimeoutMs.default;
    const base = buildConnector({ timeout: options.connectTimeoutMs ?? d.connectTimeoutMs.default });
    const resolveMap = this.resolveMap;
    // A connector wrapper rather than a DNS `lookup`: it sees the port too, and it keeps the
    // Host header and the TLS server name on the original host while dialling the address.
    const connect: buildConnector.connector = (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      const entry = resolveMap.get(`${opts.hostname.toLowerCase()}:${port}`);
      if (entry === undefined) return base(opts, callback);
      return base({ ...opts, hostname: entry.address, servername: opts.servername || entry.host }, callback);
    };
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? d.perHost.default,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      headersTimeout: idle,
      bodyTimeout: idle,
      maxHeaderSize: options.maxHeaderBytes ?? d.maxHeaderBytes.default,
      connect,
    });
    this.defaultHeaders = {
      'user-agent': this.userAgent,
      accept: DEFAULT_ACCEPT,
      'accept-encoding': 'gzip, deflate, br',
      ...Object.fromEntries(Object.entries(options.defaultHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    };
  }

  /** Fetches one request (no redirects followed). Rejects only with FetchError. */
  async fetch(req: FetchRequest, signal?: AbortSignal): Promise<FetchResult> {
    const started = performance.now();
    const url = this.checkUrl(req.url);
    if (signal?.aborted) throw fetchError(ErrorCodes.FETCH_ABORTED, `${req.url}: fetch aborted`, req.url, false, signal.reason);
    const headers: Record<string, string> = { ...this.defaultHeaders };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;

    const controller = new AbortController();
    let abortedBy: 'total' | 'caller' | null = null;
    const timer = setTimeout(() => {
      abortedBy ??= 'total';
      controller.abort();
    }, this.limits.totalTimeoutMs);
    const onCallerAbort = () => {
      abortedBy ??= 'caller';
      controller.abort();
    };
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    let responseBody: { destroy(): void } | null = null;
    try {
      const res = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method.toUpperCase() as 'GET',
        headers,
        body: req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
        signal: controller.signal,
      });
      responseBody = res.body;
      const { headers: flat, setCookie } = flattenHeaders(res.headers);
      const maxBytes = req.maxBodyBytes ?? this.limits.maxBodyBytes;
      const encodings = parseContentEncoding(flat['content-encoding']) ?? [];
      const declared = Number(flat['content-length']);
      if (!req.truncateBody && encodings.length === 0 && Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        throw new FetchError(ErrorCodes.FETCH_BODY_TOO_LARGE, `body of ${req.url} declares ${declared} bytes, over the cap of ${maxBytes}`, {
          retryable: false,
          details: { url: req.url, maxBytes, contentLength: declared },
        });
      }
      const read = await readBody(res.body, { encodings, maxBytes, truncate: req.truncateBody, url: req.url });
      return {
        url: url.href,
        status: res.statusCode,
        headers: flat,
        setCookie,
        body: read.body,
        bytesOnWire: read.bytesOnWire,
        elapsedMs: performance.now() - started,
        contentType: flat['content-type'],
        truncated: read.truncated,
      };
    } catch (error) {
      responseBody?.destroy();
      throw classify(error, req.url, abortedBy, this.limits);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Drops every connection at once, failing in-flight requests. */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private checkUrl(raw: string): URL {
    if (raw.length > this.limits.maxUrlLength) {
      throw new FetchError(ErrorCodes.URL_TOO_LONG, `URL of ${raw.length} characters exceeds the cap of ${this.limits.maxUrlLength}`, {
        retryable: false,
        details: { url: raw.slice(0, 200), length: raw.length, maxUrlLength: this.limits.maxUrlLength },
      });
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch (cause) {
      throw new FetchError(ErrorCodes.URL_INVALID, `not a valid URL: ${raw}`, { cause, retryable: false, details: { url: raw } });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchError(ErrorCodes.URL_UNSUPPORTED_SCHEME, `unsupported scheme ${url.protocol} in ${raw}`, { retryable: false, details: { url: raw } });
    }
    return url;
  }
}
