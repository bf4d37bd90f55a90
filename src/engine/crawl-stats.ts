/**
 * Crawl statistics, fed only by engine events: pages, statuses, errors by code, bytes, items,
 * duplicates, retries, robots blocks, offsite and other drops. A snapshot is plain JSON.
 */
import { readFileSync } from 'node:fs';
import type { CrawlEvents } from './crawl-events.ts';

/** The final (or current) stats of one crawl run, as written by `--stats-json`. */
export interface CrawlStatsSnapshot {
  startedAt: string;
  finishedAt: string | null;
  elapsedMs: number;
  pagesFetched: number;
  pagesPerSecond: number;
  bytes: number;
  items: number;
  itemsDropped: number;
  requestsScheduled: number;
  duplicatesFiltered: number;
  retries: number;
  redirects: number;
  robotsBlocked: number;
  /** Of `robotsBlocked`: requests given up because their robots.txt stayed unreachable. */
  robotsUnreachable: number;
  offsite: number;
  dropped: Record<string, number>;
  failed: number;
  responsesByStatus: Record<string, number>;
  errorsByCode: Record<string, number>;
  spiderErrors: number;
  storeErrors: number;
  finishReason: string | null;
  peakRssBytes: number;
}

/** Counts what the engine reports. */
export class CrawlStats {
  private readonly started = Date.now();
  private finished: number | null = null;
  pagesFetched = 0;
  bytes = 0;
  items = 0;
  itemsDropped = 0;
  requestsScheduled = 0;
  duplicatesFiltered = 0;
  retries = 0;
  redirects = 0;
  robotsBlocked = 0;
  robotsUnreachable = 0;
  failed = 0;
  spiderErrors = 0;
  storeErrors = 0;
  finishReason: string | null = null;
  peakRss = 0;
  readonly dropped: Record<string, number> = {};
  readonly byStatus: Record<string, number> = {};
  readonly byCode: Record<string, number> = {};

  /** Subscribes to `events`. */
  constructor(events: CrawlEvents) {
    events.on('response', (e) => {
      this.pagesFetched++;
      this.bytes += e.bytes;
      this.byStatus[e.status] = (this.byStatus[e.status] ?? 0) + 1;
    });
    events.on('failure', (e) => {
      this.failed++;
      this.byCode[e.code] = (this.byCode[e.code] ?? 0) + 1;
    });
    events.on('retry', () => this.retries++);
    events.on('duplicate', () => this.duplicatesFiltered++);
    events.on('dropped', (e) => {
      this.dropped[e.reason] = (this.dropped[e.reason] ?? 0) + 1;
    });
    events.on('redirect', () => this.redirects++);
    events.on('robotsBlocked', (e) => {
      this.robotsBlocked++;
      if (e.reason === 'unreachable') this.robotsUnreachable++;
    });
    events.on('items', (e) => {
      this.items += e.count;
      this.itemsDropped += e.dropped;
    });
    events.on('scheduled', (e) => {
      this.requestsScheduled += e.count;
    });
    events.on('spiderError', (e) => {
      this.spiderErrors++;
      this.byCode[e.code] = (this.byCode[e.code] ?? 0) + 1;
    });
    events.on('storeError', () => this.storeErrors++);
  }

  /** Samples the process's resident set size (kept as the peak). */
  sampleMemory(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  /** Marks the end of the run. */
  finish(reason: string): void {
    this.finished = Date.now();
    this.finishReason = reason;
    this.sampleMemory();
    // Linux keeps the exact high-water mark; sampling alone can miss a short peak.
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) this.peakRss = Math.max(this.peakRss, Number(m[1]) * 1024);
    } catch {}
  }

  /** Milliseconds since the run started (or until it finished). */
  get elapsedMs(): number {
    return (this.finished ?? Date.now()) - this.started;
  }

  /** Plain JSON view of the counters. */
  snapshot(): CrawlStatsSnapshot {
    const elapsedMs = this.elapsedMs;
    return {
      startedAt: new Date(this.started).toISOString(),
      finishedAt: this.finished === null ? null : new Date(this.finished).toISOString(),
      elapsedMs,
      pagesFetched: this.pagesFetched,
      pagesPerSecond: elapsedMs > 0 ? Math.round((this.pagesFetched * 10_000) / elapsedMs) / 10 : 0,
      bytes: this.bytes,
      items: this.items,
      itemsDropped: this.itemsDropped,
      requestsScheduled: this.requestsScheduled,
      duplicatesFiltered: this.duplicatesFiltered,
      retries: this.retries,
      redirects: this.redirects,
      robotsBlocked: this.robotsBlocked,
      robotsUnreachable: this.robotsUnreachable,
      offsite: this.dropped.offsite ?? 0,
      dropped: { ...this.dropped },
      failed: this.failed,
      responsesByStatus: { ...this.byStatus },
      errorsByCode: { ...this.byCode },
      spiderErrors: this.spiderErrors,
      storeErrors: this.storeErrors,
      finishReason: this.finishReason,
      peakRssBytes: this.peakRss,
    };
  }
}
