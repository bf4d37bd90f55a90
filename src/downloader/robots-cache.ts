/**
 * The robots.txt policy of a crawl: fetches each origin's /robots.txt once, shares the outcome
 * through a SharedKV (Redis in fleet mode), and answers whether a URL may be fetched.
 *
 * Invariants: within a process, concurrent callers for one origin share one load; across
 * processes, one worker claims the fetch (setIfAbsent) and the others wait for its record;
 * a record lives at most 24 hours. Outcomes follow RFC 9309: 2xx → parse the rules; 3xx →
 * follow up to 5 redirects (even across hosts) and apply the result to the first origin;
 * 4xx → allow all ("unavailable"); 5xx, 429 or a network failure → disallow all
 * ("unreachable") until `unreachableRetryMs` has passed, then fetch again.
 * A failing KV never fails a decision: the policy then fetches on its own.
 */
import type { SharedKV } from '../contracts.ts';
import { ErrorCodes, UrlError } from '../errors.ts';
import { type FetchRequest, type FetchResult, redirectTarget } from './fetcher.ts';
import { productTokenOf, ROBOTS_PARSE_LIMIT, type RobotsRules, RobotsTxt } from './robots-parser.ts';

/** What the policy needs from a fetcher. */
export interface RobotsFetcher {
  fetch(req: FetchRequest, signal?: AbortSignal): Promise<FetchResult>;
}

/** How an origin's robots.txt fetch ended. */
export type RobotsStatus = 'ok' | 'unavailable' | 'unreachable';

/** The answer for one URL. */
export interface RobotsDecision {
  allowed: boolean;
  status: RobotsStatus;
  /** For `unreachable`: epoch ms after which robots.txt is fetched again (release the request until then). */
  retryAt?: number;
}

/** Options of {@link RobotsPolicy}. */
export interface RobotsPolicyOptions {
  kv: SharedKV;
  fetcher: RobotsFetcher;
  /** The crawler's User-Agent; its product token selects the group. */
  userAgent: string;
  /** Overrides the token taken from `userAgent`. */
  productToken?: string;
  /** How long a fetched robots.txt is trusted; capped at 24 h (the default). */
  cacheTtlMs?: number;
  /** How long an unreachable robots.txt blocks its origin before it is fetched again (default 10 min). */
  unreachableRetryMs?: number;
  /** Redirect hops followed for robots.txt (default 5). */
  maxRedirects?: number;
  /** KV key prefix (default `robots:`). */
  keyPrefix?: string;
  /** How long to wait for another worker's fetch before fetching anyway (default 30 s). */
  claimWaitMs?: number;
  /** Origins remembered in memory at most (default 10,000; the KV keeps the rest). */
  maxMemo?: number;
  now?: () => number;
}

/** The KV record of one origin (JSON). */
interface RobotsRecord {
  v: 1;
  status: RobotsStatus;
  httpStatus?: number;
  body?: string;
  error?: string;
  fetchedAt: number;
  expiresAt: number;
}

interface Entry {
  status: RobotsStatus;
  rules: RobotsRules | null;
  sitemaps: readonly string[];
  expiresAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    if (origin === 'null') throw new Error('opaque origin');
    return origin;
  } catch (cause) {
    throw new UrlError(ErrorCodes.URL_INVALID, `not a crawlable URL: ${url}`, { cause, details: { url } });
  }
}

function parseRecord(text: string | null): RobotsRecord | null {
  if (text === null) return null;
  try {
    const record = JSON.parse(text) as RobotsRecord;
    return record?.v === 1 && typeof record.expiresAt === 'number' ? record : null;
  } catch {
    return null;
  }
}

/** Decides robots.txt permission per URL, fetching each origin's file once per crawl. */
export class RobotsPolicy {
  readonly productToken: string;
  private readonly memo = new Map<string, { promise: Promise<Entry>; expiresAt: number }>();
  private readonly kv: SharedKV;
  private readonly fetcher: RobotsFetcher;
  private readonly cacheTtlMs: number;
  private readonly unreachableRetryMs: number;
  private readonly maxRedirects: number;
  private readonly keyPrefix: string;
  private readonly claimWaitMs: number;
  private readonly maxMemo: number;
  private readonly now: () => number;

  constructor(options: RobotsPolicyOptions) {
    this.kv = options.kv;
    this.fetcher = options.fetcher;
    this.productToken = (options.productToken ?? productTokenOf(options.userAgent)).toLowerCase();
    this.cacheTtlMs = Math.min(options.cacheTtlMs ?? DAY_MS, DAY_MS);
    this.unreachableRetryMs = options.unreachableRetryMs ?? 10 * 60 * 1000;
    this.maxRedirects = options.maxRedirects ?? 5;
    this.keyPrefix = options.keyPrefix ?? 'robots:';
    this.claimWaitMs = options.claimWaitMs ?? 30_000;
    this.maxMemo = options.maxMemo ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether `url` may be fetched, with the robots status of its origin. Throws UrlError for a bad URL. */
  async decide(url: string): Promise<RobotsDecision> {
    const entry = await this.load(originOf(url));
    if (entry.status === 'unavailable') return { allowed: true, status: entry.status };
    if (entry.status === 'unreachable') return { allowed: false, status: entry.status, retryAt: entry.expiresAt };
    return { allowed: entry.rules!.isAllowed(url), status: entry.status };
  }

  /** True when `url` may be fetched. */
  async isAllowed(url: string): Promise<boolean> {
    return (await this.decide(url)).allowed;
  }

  /** The crawl-delay for the origin of `urlOrOrigin` in milliseconds, or null when none is set. */
  async crawlDelayMs(urlOrOrigin: string): Promise<number | null> {
    return (await this.load(originOf(urlOrOrigin))).rules?.crawlDelayMs ?? null;
  }

  /** Sitemap URLs listed by the origin's robots.txt. */
  async sitemaps(urlOrOrigin: string): Promise<readonly string[]> {
    return (await this.load(originOf(urlOrOrigin))).sitemaps;
  }

  private load(origin: string): Promise<Entry> {
    const held = this.memo.get(origin);
    if (held !== undefined && held.expiresAt > this.now()) return held.promise;
    const slot = { promise: this.resolve(origin), expiresAt: Number.POSITIVE_INFINITY };
    slot.promise.then(
      (entry) => {
        slot.expiresAt = entry.expiresAt;
      },
      () => {
        if (this.memo.get(origin) === slot) this.memo.delete(origin);
      },
    );
    this.memo.delete(origin);
    this.memo.set(origin, slot);
    if (this.memo.size > this.maxMemo) this.memo.delete(this.memo.keys().next().value as string);
    return slot.promise;
  }

  private async resolve(origin: string): Promise<Entry> {
    const key = `${this.keyPrefix}${origin}`;
    const cached = parseRecord(await this.kv.get(key).catch(() => null));
    if (cached !== null && cached.expiresAt > this.now()) return this.toEntry(cached);

    const lockKey = `${key}:lock`;
    const claimed = await this.kv.setIfAbsent(lockKey, String(process.pid), this.claimWaitMs).catch(() => true);
    if (!claimed) {
      // Another worker is fetching this file: wait for its record rather than hit the host twice.
      const giveUpAt = this.now() + this.claimWaitMs;
      while (this.now() < giveUpAt) {
        await new Promise((r) => setTimeout(r, 100));
        const record = parseRecord(await this.kv.get(key).catch(() => null));
        if (record !== null && record.expiresAt > this.now()) return this.toEntry(record);
      }
    } else {
      // Between our read and our claim another worker may have stored the record and let go of
      // the lock: read once more so the host is not asked twice.
      const stored = parseRecord(await this.kv.get(key).catch(() => null));
      if (stored !== null && stored.expiresAt > this.now()) {
        await this.kv.delete(lockKey).catch(() => {});
        return this.toEntry(stored);
      }
    }
    const record = await this.fetchRecord(origin);
    await this.kv.set(key, JSON.stringify(record), Math.max(1, record.expiresAt - this.now())).catch(() => {});
    if (claimed) await this.kv.delete(lockKey).catch(() => {});
    return this.toEntry(record);
  }

  private async fetchRecord(origin: string): Promise<RobotsRecord> {
    const fetchedAt = this.now();
    const done = (status: RobotsStatus, extra: Partial<RobotsRecord> = {}): RobotsRecord => ({
      v: 1,
      status,
      fetchedAt,
      expiresAt: fetchedAt + (status === 'unreachable' ? this.unreachableRetryMs : this.cacheTtlMs),
      ...extra,
    });
    let url = `${origin}/robots.txt`;
    for (let hop = 0; hop <= this.maxRedirects; hop++) {
      let result: FetchResult;
      try {
        result = await this.fetcher.fetch({ url, method: 'GET', maxBodyBytes: ROBOTS_PARSE_LIMIT, truncateBody: true });
      } catch (error) {
        return done('unreachable', { error: String((error as { code?: string }).code ?? error) });
      }
      const status = result.status;
      if (status >= 200 && status < 300) return done('ok', { httpStatus: status, body: Buffer.from(result.body).toString('utf8') });
      if (status >= 300 && status < 400) {
        const target = redirectTarget(result);
        if (target === null) return done('unavailable', { httpStatus: status });
        url = target;
        continue;
      }
      // 429 says "slow down", not "there are no rules": treat it like a server error.
      if (status === 429 || status >= 500) return done('unreachable', { httpStatus: status });
      return done('unavailable', { httpStatus: status });
    }
    return done('unavailable', { error: 'too many redirects' });
  }

  private toEntry(record: RobotsRecord): Entry {
    if (record.status !== 'ok') return { status: record.status, rules: null, sitemaps: [], expiresAt: record.expiresAt };
    const parsed = RobotsTxt.parse(record.body ?? '');
    return { status: 'ok', rules: parsed.rulesFor(this.productToken), sitemaps: parsed.sitemaps, expiresAt: record.expiresAt };
  }
}
