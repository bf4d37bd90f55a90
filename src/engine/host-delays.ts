/**
 * The one writer of per-host delays to the store. A host's delay is the largest of three
 * things: the configured delay (`delayMs`), the host's robots.txt crawl-delay, and — with
 * `autoThrottle` — a delay that follows the host's response times (src/downloader/
 * auto-throttle.ts). Writing it through `Store.setHostPolicy` makes it hold for every worker
 * of a shared crawl, since politeness lives in the store's lease.
 *
 * The store receives each non-zero delay plus `slackMs` (see {@link storeDelayMs}); `delayMs`
 * answers the delay itself, as the user and robots.txt asked for it.
 *
 * Invariants: the delay written is never below the configured delay nor below a known
 * crawl-delay; a store write happens only when the delay moves by a noticeable step (so a
 * crawl does not pay a store round trip per response); hosts remembered are bounded.
 */
import type { Store } from '../contracts.ts';
import { AutoThrottle } from '../downloader/auto-throttle.ts';
import type { CrawlEvents } from './crawl-events.ts';

/** Options of {@link HostDelays}. */
export interface HostDelaysOptions {
  /** The configured per-host delay: the floor of every host. */
  baseDelayMs: number;
  /** Follow response times (the `autoThrottle` setting). */
  autoThrottle: boolean;
  /** Requests in flight per host the throttle aims at: delay ≈ latency / this (default 1). */
  targetConcurrency?: number;
  /** Highest delay the throttle sets (default 60 s; a crawl-delay may be larger). */
  maxDelayMs?: number;
  /** Hosts remembered at most (default 100,000; the least recently seen are forgotten). */
  maxHosts?: number;
  /** Added to every non-zero delay written to the store (the `politenessSlackMs` setting; default 0). */
  slackMs?: number;
}

/**
 * The start-to-start spacing a store applies for a host delay of `delayMs`: the delay plus the
 * slack, so that a request sent up to the slack after its lease still reaches the server at
 * least `delayMs` after the one before it. A host without a delay gets none.
 */
export function storeDelayMs(delayMs: number, slackMs: number): number {
  return delayMs > 0 ? delayMs + Math.max(0, slackMs) : 0;
}

interface HostState {
  /** robots.txt crawl-delay, ms (0: none). */
  floorMs: number;
  /** Delay last written to the store, ms (the base delay until something is written). */
  writtenMs: number;
}

/** Smallest change worth a store write: 10 % of the current delay, and at least 10 ms. */
const worthWriting = (from: number, to: number) => Math.abs(to - from) >= Math.max(10, from * 0.1);

/** Per-host delays of one crawl, kept in the store. */
export class HostDelays {
  private readonly hosts = new Map<string, HostState>();
  private readonly throttle: AutoThrottle | null;
  private readonly baseDelayMs: number;
  private readonly maxHosts: number;
  /** The `politenessSlackMs` setting: added to the delays written to the store. */
  readonly slackMs: number;

  /** Reports changes through `events` (log lines and `storeError`). */
  constructor(
    private readonly store: Store,
    private readonly events: CrawlEvents,
    options: HostDelaysOptions,
  ) {
    this.baseDelayMs = Math.max(0, options.baseDelayMs);
    this.maxHosts = options.maxHosts ?? 100_000;
    this.slackMs = Math.max(0, options.slackMs ?? 0);
    this.throttle = options.autoThrottle
      ? new AutoThrottle({
          // Before its first response a host keeps the configured delay; the first response sets the pace.
          startDelayMs: this.baseDelayMs,
          minDelayMs: this.baseDelayMs,
          maxDelayMs: Math.max(this.baseDelayMs, options.maxDelayMs ?? 60_000),
          targetConcurrency: options.targetConcurrency ?? 1,
          maxHosts: this.maxHosts,
        })
      : null;
  }

  /** True when response times steer the delays. */
  get adaptive(): boolean {
    return this.throttle !== null;
  }

  /** The delay this process last wrote for `host` (the configured delay when none), without the slack. */
  delayMs(host: string): number {
    return this.hosts.get(host)?.writtenMs ?? this.baseDelayMs;
  }

  /**
   * Records a robots.txt crawl-delay of `host`; the host's delay never drops below it.
   * Resolves to true when this raised the delay the store applies to the host.
   */
  async setCrawlDelay(host: string, crawlDelayMs: number): Promise<boolean> {
    const state = this.state(host);
    state.floorMs = Math.max(0, crawlDelayMs);
    if (state.floorMs > this.baseDelayMs) {
      this.events.emit('log', { level: 'info', message: `robots.txt of ${host} asks for a crawl-delay of ${state.floorMs} ms` });
    }
    const before = state.writtenMs;
    await this.apply(host, state, true);
    return state.writtenMs > before;
  }

  /** Records one response of `host` (response time in ms, HTTP status); a no-op without autoThrottle. */
  async observe(host: string, latencyMs: number, status: number): Promise<void> {
    if (this.throttle === null) return;
    this.throttle.observe(host, latencyMs, status);
    await this.apply(host, this.state(host), false);
  }

  private async apply(host: string, state: HostState, always: boolean): Promise<void> {
    const throttled = this.throttle?.delayMs(host) ?? 0;
    const target = Math.round(Math.max(this.baseDelayMs, state.floorMs, throttled));
    if (target === state.writtenMs || (!always && !worthWriting(state.writtenMs, target))) return;
    const before = state.writtenMs;
    state.writtenMs = target;
    try {
      await this.store.setHostPolicy(host, { delayMs: storeDelayMs(target, this.slackMs) });
      if (this.throttle !== null) this.events.emit('log', { level: 'debug', message: `delay of ${host}: ${before} → ${target} ms` });
    } catch (error) {
      state.writtenMs = before;
      const code = (error as { code?: string })?.code ?? 'SF_UNKNOWN';
      this.events.emit('storeError', { op: 'setHostPolicy', code, message: (error as Error)?.message ?? String(error) });
    }
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (state === undefined) {
      state = { floorMs: 0, writtenMs: this.baseDelayMs };
      if (this.hosts.size >= this.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string);
    } else this.hosts.delete(host);
    // Re-inserted on every touch: the map's order is least recently seen first.
    this.hosts.set(host, state);
    return state;
  }
}
