/**
 * The crawl loop: lease batches from the store within the global concurrency, run each lease
 * through the page worker, settle it exactly once (commit, release for retry, or release after
 * an abort), and stop when the store is finished, the page budget is spent, or a stop is asked.
 *
 * Invariants: per-host politeness lives in the store's lease (the loop only sleeps until the
 * store's `wakeAt`, or a short poll for a shared store); the loop holds at most `concurrency` leases, never the frontier; every
 * lease it takes is either committed or released before `run` resolves (a crash leaves it to
 * `expireLeases` / the store's recovery). Events report; they never steer.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { CrawlRequest, Lease, QueuedRequest, Store, StoreOpenInfo } from '../contracts.ts';
import type { Fetcher } from '../downloader/fetcher.ts';
import { ErrorCodes, isSuperfilterError } from '../errors.ts';
import type { FeedSink } from '../feeds/feed-sink.ts';
import { buildRequest } from './build-request.ts';
import type { ChildRules } from './child-requests.ts';
import { CrawlEvents } from './crawl-events.ts';
import { CrawlStats, type CrawlStatsSnapshot } from './crawl-stats.ts';
import { PageCommitter } from './page-committer.ts';
import { type PageWorkerDeps, processLease } from './page-worker.ts';
import type { HostDelays } from './host-delays.ts';
import type { RobotsGate } from './robots-gate.ts';
import type { SpiderRunner } from './spider-runner.ts';

/** Why a run ended. */
export type FinishReason = 'finished' | 'max-pages' | 'stopped' | 'aborted' | 'error';

/** Everything one crawl run uses. The caller owns (opens before, closes after) nothing: `run` opens and closes the store. */
export interface CrawlerOptions {
  config: Config;
  store: Store;
  spider: SpiderRunner;
  fetcher: Fetcher;
  /** Where items go when the store does not keep them; null: nowhere (items are only counted). Overridden by `openFeed`. */
  feed?: FeedSink | null;
  rules: ChildRules;
  robots: RobotsGate | null;
  /** Per-host delays (crawl-delay, adaptive throttle) written to the store. */
  delays?: HostDelays;
  events?: CrawlEvents;
  /** Seed the spider's start requests even when the store resumes a crawl. */
  reseed?: boolean;
  /** Opens the local feed once the store has said where its last checkpoint stood. */
  openFeed?: (info: StoreOpenInfo) => FeedSink | null;
  /** The link scope; start URLs are added to it (and recalled from the store on resume). */
  scope?: { add(url: string): boolean };
  now?: () => number;
}

/** What `run` returns. */
export interface CrawlResult {
  reason: FinishReason;
  stats: CrawlStatsSnapshot;
  error?: unknown;
}

const SEED_BATCH = 1000;
const MAX_SCOPE_SEEDS = 10_000;
const SEEDS_KEY = 'crawl:seeds';
const IDLE_POLL_MS = 500;
/** Hold-backs for lateness after which the crawl warns once. */
const LATE_WARN_AFTER = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One crawl run over one store. */
export class Crawler {
  readonly events: CrawlEvents;
  readonly stats: CrawlStats;
  private readonly owner = `${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly now: () => number;
  private readonly inflight = new Map<string, AbortController>();
  private stopMode: 'none' | 'graceful' | 'abort' = 'none';
  private wake: (() => void) | null = null;
  private lateHoldBacks = 0;
  private fatal: unknown = null;
  /** Start URLs the scope knows (written to the store's KV for resumed and joining workers). */
  private readonly seedUrls = new Set<string>();
  private seedWrites: Promise<void> = Promise.resolve();
  /** The feed this run writes (opened in `run`). */
  feed: FeedSink | null = null;

  /** Prepares a run (nothing happens until `run`). */
  constructor(private readonly options: CrawlerOptions) {
    this.events = options.events ?? new CrawlEvents();
    this.stats = new CrawlStats(this.events);
    this.now = options.now ?? Date.now;
  }

  /** Stops taking new work; in-flight pages finish and commit. A second call (or `abort`) aborts them. */
  stop(mode: 'graceful' | 'abort' = 'graceful'): void {
    if (mode === 'abort' || this.stopMode === 'graceful') {
      this.stopMode = 'abort';
      for (const c of this.inflight.values()) c.abort();
    } else if (this.stopMode === 'none') this.stopMode = 'graceful';
    this.wake?.();
  }

  /** Runs the crawl to its end; never rejects for page-level problems. */
  async run(): Promise<CrawlResult> {
    const { store, config } = this.options;
    const info = await store.open();
    if (info.recoveredLeases > 0) this.log('info', `recovered ${info.recoveredLeases} requests leased by a stopped worker`);
    this.feed = this.options.openFeed ? this.options.openFeed(info) : (this.options.feed ?? null);
    if (!info.resumed || this.options.reseed) await this.seed();
    else {
      await this.recallSeeds();
      this.log('info', 'resuming the crawl held by the store (start requests not seeded again)');
    }

    const committer = new PageCommitter(store, this.feed, this.events);
    const scope = this.options.scope;
    const deps: PageWorkerDeps = {
      fetcher: this.options.fetcher,
      spider: this.options.spider,
      rules: scope ? { ...this.options.rules, admitSeed: (url) => this.admitSeed(url) } : this.options.rules,
      robots: this.options.robots,
      ...(this.options.delays ? { delays: this.options.delays } : {}),
      events: this.events,
      retries: config.retries,
      retryBaseMs: config.retryBaseMs,
      maxRedirects: config.maxRedirects,
      attempts: new Map(),
      holds: new Map(),
      holdBacks: new Map(),
      leaseMs: config.leaseMs,
      slackMs: config.politenessSlackMs,
      maxDeliveries: config.maxDeliveries,
      onLate: (lateMs) => this.lateHoldBack(lateMs),
      now: this.now,
    };
    let reason: FinishReason = 'finished';
    try {
      reason = await this.loop(deps, committer);
    } catch (error) {
      this.fatal ??= error;
    }
    // Let every in-flight page settle (commit or release) before anything closes.
    while (this.inflight.size > 0) await this.waitForWake(null);
    await committer.drain();
    await this.seedWrites;
    if (this.fatal !== null) reason = 'error';
    else if (this.stopMode === 'abort') reason = 'aborted';
    else if (this.stopMode === 'graceful' && reason !== 'finished') reason = 'stopped';
    this.stats.finish(reason);
    return { reason, stats: this.stats.snapshot(), ...(this.fatal === null ? {} : { error: this.fatal }) };
  }

  private async loop(deps: PageWorkerDeps, committer: PageCommitter): Promise<FinishReason> {
    const { store, config } = this.options;
    const concurrency = config.concurrency;
    // Lease in batches: waiting for an eighth of the slots to free costs little and saves store round trips.
    const minBatch = Math.max(1, Math.floor(concurrency / 8));
    let budget = config.maxPages > 0 ? config.maxPages : Number.POSITIVE_INFINITY;
    const expireEvery = Math.max(1_000, Math.min(30_000, Math.floor(config.leaseMs / 4)));
    let nextExpiry = this.now() + expireEvery;
    let storeFailures = 0;

    for (;;) {
      if (this.fatal !== null || this.stopMode !== 'none') return 'stopped';
      if (budget <= 0) return 'max-pages';
      const free = concurrency - this.inflight.size;
      if (free < minBatch && this.inflight.size > 0) {
        await this.waitForWake(null);
        continue;
      }
      if (this.now() >= nextExpiry) {
        nextExpiry = this.now() + expireEvery;
        await store.expireLeases(this.now()).catch((error) => this.storeError('expireLeases', error));
      }
      let batch: Awaited<ReturnType<Store['lease']>>;
      try {
        batch = await store.lease({ max: Math.min(free, budget), now: this.now(), leaseMs: config.leaseMs, owner: this.owner });
        storeFailures = 0;
      } catch (error) {
        this.storeError('lease', error);
        if (!(isSuperfilterError(error) && error.retryable)) throw error;
        await sleep(Math.min(5_000, 100 * 2 ** storeFailures++));
        continue;
      }
      for (const lease of batch.leases) {
        budget--;
        this.start(lease, deps, committer, () => {
          budget++;
        });
      }
      if (batch.leases.length > 0) continue;
      if (this.inflight.size > 0) {
        await this.waitForWake(this.storeWake(batch.wakeAt));
        continue;
      }
      if (batch.wakeAt !== null) {
        await this.waitForWake(this.storeWake(batch.wakeAt));
        continue;
      }
      if (await store.isFinished()) return 'finished';
      // Another worker holds leases (a shared store): wait for its commits or their expiry.
      await this.waitForWake(this.now() + IDLE_POLL_MS);
    }
  }

  private start(lease: Lease, deps: PageWorkerDeps, committer: PageCommitter, refund: () => void): void {
    const id = lease.request.id;
    const controller = new AbortController();
    this.inflight.set(id, controller);
    const settle = async () => {
      const outcome = await processLease(lease, deps, controller.signal);
      if (outcome.kind === 'aborted') {
        refund();
        await this.options.store.release(id, this.now()).catch((error) => this.storeError('release', error));
        return;
      }
      if (!outcome.fetched) refund();
      if (outcome.kind === 'commit') {
        deps.attempts.delete(id);
        deps.holds?.delete(id);
        deps.holdBacks?.delete(id);
      }
      if (outcome.kind === 'release') {
        await this.options.store.release(id, outcome.retryAt).catch((error) => this.storeError('release', error));
        return;
      }
      try {
        const res = await committer.commit(outcome.draft);
        this.reportChildren(outcome.draft.children, res.added, lease.request);
      } catch (error) {
        if (isSuperfilterError(error, ErrorCodes.STORE_UNKNOWN_LEASE)) {
          this.log('warn', `lease of ${lease.request.url} expired before its commit; another attempt will settle it`);
          return;
        }
        this.fatal ??= error;
      }
    };
    settle()
      .catch((error) => {
        this.fatal ??= error;
      })
      .finally(() => {
        this.inflight.delete(id);
        this.wake?.();
      });
  }

  private reportChildren(children: readonly QueuedRequest[], added: readonly boolean[], parent: QueuedRequest): void {
    let fresh = 0;
    for (let i = 0; i < children.length; i++) {
      if (added[i]) fresh++;
      else this.events.emit('duplicate', { url: children[i].url, from: parent.url });
    }
    if (fresh > 0) this.events.emit('scheduled', { from: parent.url, count: fresh });
  }

  private async seed(): Promise<void> {
    const { spider, rules, store } = this.options;
    const seeds: string[] = [];
    let batch: QueuedRequest[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const added = await store.enqueue(batch);
      const fresh = added.filter(Boolean).length;
      for (let i = 0; i < batch.length; i++) if (!added[i]) this.events.emit('duplicate', { url: batch[i].url, from: '(start)' });
      if (fresh > 0) this.events.emit('scheduled', { from: '(start)', count: fresh });
      batch = [];
    };
    for await (const req of spider.startRequests() as AsyncIterable<CrawlRequest>) {
      const built = buildRequest(typeof req === 'string' ? { url: req } : req, { depth: 0, maxUrlLength: rules.maxUrlLength });
      if (!built.ok) {
        this.events.emit('dropped', { url: String((req as CrawlRequest).url ?? req), reason: built.reason, from: '(start)' });
        this.log('warn', `start request dropped: ${built.error.message}`);
        continue;
      }
      batch.push(built.request);
      if (seeds.length < MAX_SCOPE_SEEDS) {
        seeds.push(built.request.url);
        this.seedUrls.add(built.request.url);
      }
      this.options.scope?.add(built.request.url);
      if (batch.length >= SEED_BATCH) await flush();
    }
    await flush();
    // Kept so that a resumed (or joining) worker applies the same link scope.
    await store.kv.set(SEEDS_KEY, JSON.stringify(seeds));
  }

  private async recallSeeds(): Promise<void> {
    const raw = await this.options.store.kv.get(SEEDS_KEY);
    if (raw === null) return;
    try {
      for (const url of JSON.parse(raw) as string[]) {
        this.options.scope?.add(url);
        if (this.seedUrls.size < MAX_SCOPE_SEEDS) this.seedUrls.add(url);
      }
    } catch {
      this.log('warn', 'the stored start URLs are unreadable; the link scope uses the spider start URLs only');
    }
  }

  /**
   * Admits `url` (where a start request redirected to) into the scope, and records it with the
   * stored start URLs so a resumed or joining worker applies the same scope. The record is a
   * read-merge-write of one KV key, serialized within the process.
   */
  private admitSeed(url: string): void {
    const scope = this.options.scope;
    if (scope === undefined || this.seedUrls.has(url) || this.seedUrls.size >= MAX_SCOPE_SEEDS) return;
    if (!scope.add(url)) return;
    this.seedUrls.add(url);
    this.log('info', `start URL redirected to ${url}: its host is in scope too`);
    const kv = this.options.store.kv;
    this.seedWrites = this.seedWrites
      .then(async () => {
        const raw = await kv.get(SEEDS_KEY);
        let stored: string[] = [];
        try {
          stored = raw === null ? [] : (JSON.parse(raw) as string[]);
        } catch {}
        if (!stored.includes(url)) await kv.set(SEEDS_KEY, JSON.stringify([...stored, url]));
      })
      .catch((error) => this.storeError('kv.set', error));
  }

  /**
   * When to ask the store again, given its `wakeAt`. A shared store's hint may be far off (the
   * earliest lease expiry when every pending host is at its concurrency limit) while another
   * worker's commit, which cannot wake this process, frees the host much sooner: the wait is
   * capped at a short poll. A local store's commits all wake the loop, so its hint stands.
   */
  private storeWake(wakeAt: number | null): number | null {
    if (!this.options.store.capabilities.shared) return wakeAt;
    const poll = this.now() + IDLE_POLL_MS;
    return wakeAt === null ? poll : Math.min(wakeAt, poll);
  }

  /** Counts hold-backs for lateness; warns once when they are frequent (a slow store or a saturated machine). */
  private lateHoldBack(lateMs: number): void {
    this.lateHoldBacks++;
    if (this.lateHoldBacks === LATE_WARN_AFTER) {
      const slack = this.options.config.politenessSlackMs;
      this.log(
        'warn',
        `${LATE_WARN_AFTER} requests were held back because they were not sent within ${slack / 2} ms of their lease (the last ${Math.round(lateMs)} ms late); a slow store or a busy machine costs throughput: raise politenessSlackMs`,
      );
    }
  }

  private waitForWake(at: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      // Several waiters never overlap: the loop and the final drain wait one at a time.
      this.wake = done;
      if (at !== null) timer = setTimeout(done, Math.max(0, at - this.now()));
    });
  }

  private storeError(op: string, error: unknown): void {
    this.events.emit('storeError', { op, code: isSuperfilterError(error) ? error.code : 'SF_UNKNOWN', message: (error as Error)?.message ?? String(error) });
  }

  private log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void {
    this.events.emit('log', { level, message });
  }
}
