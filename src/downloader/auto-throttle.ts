/**
 * An adaptive per-host delay that follows server latency (the idea of Scrapy's AutoThrottle).
 *
 * With a target of N requests in flight at a host, a server answering in L ms can take one
 * request every L / N ms. Each observation moves the delay halfway towards that target, never
 * below it, and the result stays within [minDelayMs, maxDelayMs]. Error responses may only
 * raise the delay: a fast 500 must not speed the crawl up. Pure: no timers, no I/O.
 */

/** Options of {@link AutoThrottle}. */
export interface AutoThrottleOptions {
  /** Delay of a host before its first response (default 1,000 ms). */
  startDelayMs?: number;
  /** Lowest delay (default 0; set it to the crawl's fixed delay). */
  minDelayMs?: number;
  /** Highest delay (default 60,000 ms). */
  maxDelayMs?: number;
  /** Requests the crawl aims to have in flight at each host (default 1). */
  targetConcurrency?: number;
  /** Hosts remembered at most; the least recently seen are forgotten (default 100,000). */
  maxHosts?: number;
}

/** Per-host adaptive delays. */
export class AutoThrottle {
  private readonly delays = new Map<string, number>();
  private readonly startDelayMs: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly targetConcurrency: number;
  private readonly maxHosts: number;

  constructor(options: AutoThrottleOptions = {}) {
    this.minDelayMs = Math.max(0, options.minDelayMs ?? 0);
    this.maxDelayMs = Math.max(this.minDelayMs, options.maxDelayMs ?? 60_000);
    this.startDelayMs = this.clamp(options.startDelayMs ?? 1_000);
    this.targetConcurrency = options.targetConcurrency && options.targetConcurrency > 0 ? options.targetConcurrency : 1;
    this.maxHosts = options.maxHosts ?? 100_000;
  }

  /** Current delay of `host` in milliseconds. */
  delayMs(host: string): number {
    return this.delays.get(host) ?? this.startDelayMs;
  }

  /**
   * Records one response of `host` (latency: request start to headers, in ms; status: HTTP
   * status, or 0 for a failed fetch) and returns the host's new delay.
   */
  observe(host: string, latencyMs: number, status: number): number {
    const current = this.delayMs(host);
    const target = Math.max(0, latencyMs) / this.targetConcurrency;
    const next = this.clamp(Math.max(target, (current + target) / 2));
    const ok = status >= 200 && status < 300;
    const updated = !ok && next < current ? current : next;
    this.delays.delete(host);
    this.delays.set(host, updated);
    if (this.delays.size > this.maxHosts) this.delays.delete(this.delays.keys().next().value as string);
    return updated;
  }

  private clamp(ms: number): number {
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, ms));
  }
}
