/**
 * Robots.txt before every fetch, over the downloader's RobotsPolicy (RFC 9309: one fetch per
 * origin per crawl, shared through the store's key-value area so a fleet fetches it once).
 * A host's crawl-delay goes to {@link HostDelays}, which keeps it in the store as the host's
 * politeness delay, so it holds across every worker.
 *
 * An unreachable robots.txt (5xx, 429, network error) means "disallow all" while it stays
 * unreachable (RFC 9309). A crawl that must lose nothing does not fail the origin's requests at
 * once: the answer carries `retryAt` (when robots.txt will be fetched again) and how many times
 * a request may wait for it; the page worker releases the request until then and gives up with
 * SF_ROBOTS_DISALLOWED only after `unreachableWaits` waits.
 *
 * A request leased before its host's crawl-delay became known (the first requests of a host:
 * robots.txt is read after the lease) is held back — released at once — so that the store
 * leases it again no sooner than the delay allows; a crawl-delay costs one delay per host, and
 * no two requests to the host start closer than it. Likewise, on a host with a delay, a request
 * leased before this process fetched the host's robots.txt is held back: the robots.txt request
 * took its place in the host's spacing. (A check that waited long for another worker's fetch is
 * caught by the page worker's lateness check.)
 *
 * Invariants: a host's crawl-delay is passed on at most once per process (per 100,000 hosts);
 * a decision never throws for a reachable or unreachable robots.txt, only for a bad URL.
 */
import type { QueuedRequest, Store } from '../contracts.ts';
import type { Fetcher } from '../downloader/fetcher.ts';
import { RobotsPolicy } from '../downloader/robots-cache.ts';
import type { CrawlEvents } from './crawl-events.ts';
import { HostDelays } from './host-delays.ts';

/** The answer for one request. */
export interface RobotsAnswer {
  allowed: boolean;
  /** Why it is not allowed: the rules, or robots.txt could not be fetched. */
  reason?: 'rules' | 'unreachable';
  /** For `unreachable`: epoch ms at which robots.txt is fetched again. */
  retryAt?: number;
  /**
   * Allowed, but the request was leased before the host's crawl-delay was known, or before
   * this process fetched the host's robots.txt (on a host with a delay): give it back (release
   * it now) so the store spaces it by the delay, instead of fetching it too soon.
   */
  holdBack?: boolean;
}

/** Options of {@link RobotsGate}. */
export interface RobotsGateOptions {
  /** How long an unreachable robots.txt blocks its origin before it is fetched again (default 60 s). */
  unreachableRetryMs?: number;
  /** Times one request waits for an unreachable robots.txt before it fails (default 3). */
  unreachableWaits?: number;
  /** Epoch ms clock, the same the crawler leases with (default `Date.now`). */
  now?: () => number;
}

const HOSTS_REMEMBERED = 100_000;

/** Answers "may this request be fetched?" for one crawl. */
export class RobotsGate {
  private readonly policy: RobotsPolicy;
  private readonly delays: HostDelays;
  private readonly now: () => number;
  private readonly learned = new Map<string, Promise<void>>();
  /** Hosts whose delay a crawl-delay raised, and when (epoch ms). */
  private readonly raisedAt = new Map<string, number>();
  /** When this process last sent a robots.txt request to each host (epoch ms). */
  private readonly robotsFetchedAt = new Map<string, number>();
  /** Times one request may be released to wait for an unreachable robots.txt. */
  readonly unreachableWaits: number;

  /**
   * `delays` takes each host's crawl-delay; a number is the configured per-host delay (a
   * smaller crawl-delay does not lower it) and builds a HostDelays without adaptive throttle.
   */
  constructor(fetcher: Fetcher, store: Store, events: CrawlEvents, delays: HostDelays | number, options: RobotsGateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.delays = typeof delays === 'number' ? new HostDelays(store, events, { baseDelayMs: delays, autoThrottle: false }) : delays;
    this.unreachableWaits = Math.max(0, options.unreachableWaits ?? 3);
    // Every robots.txt request this process sends is noted: it is a request to the host too.
    const noting = {
      fetch: (req: Parameters<Fetcher['fetch']>[0], signal?: AbortSignal) => {
        this.noteRobotsFetch(req.url);
        return fetcher.fetch(req, signal);
      },
    };
    this.policy = new RobotsPolicy({
      kv: store.kv,
      fetcher: noting,
      userAgent: fetcher.userAgent,
      unreachableRetryMs: options.unreachableRetryMs ?? 60_000,
    });
  }

  /**
   * Whether robots.txt of the request's origin allows it. `leasedAt` (epoch ms the request was
   * leased) lets the gate hold back a request leased before its host's crawl-delay was known.
   */
  async check(req: QueuedRequest, leasedAt?: number): Promise<RobotsAnswer> {
    const decision = await this.policy.decide(req.url);
    if (decision.status === 'ok') {
      // Every request of the host waits for the one look-up of its crawl-delay, so none of them
      // can slip past before the delay (and `raisedAt`) is in place.
      let learning = this.learned.get(req.host);
      if (learning === undefined) {
        if (this.learned.size >= HOSTS_REMEMBERED) {
          this.learned.clear();
          this.raisedAt.clear();
        }
        learning = this.learnDelay(req);
        this.learned.set(req.host, learning);
      }
      await learning;
    }
    if (decision.allowed) {
      const raised = this.raisedAt.get(req.host);
      if (raised !== undefined && leasedAt !== undefined && leasedAt <= raised) return { allowed: true, holdBack: true };
      // robots.txt was fetched from the host after this request's lease: that request took the
      // request's place in the host's spacing, so the page waits for the next slot.
      const robotsAt = this.robotsFetchedAt.get(req.host);
      if (robotsAt !== undefined && leasedAt !== undefined && robotsAt >= leasedAt && this.delays.delayMs(req.host) > 0) {
        return { allowed: true, holdBack: true };
      }
      return { allowed: true };
    }
    if (decision.status === 'unreachable') {
      return decision.retryAt === undefined ? { allowed: false, reason: 'unreachable' } : { allowed: false, reason: 'unreachable', retryAt: decision.retryAt };
    }
    return { allowed: false, reason: 'rules' };
  }

  private noteRobotsFetch(url: string): void {
    let host: string;
    try {
      host = new URL(url).host.toLowerCase();
    } catch {
      return;
    }
    if (this.robotsFetchedAt.size >= HOSTS_REMEMBERED) this.robotsFetchedAt.clear();
    this.robotsFetchedAt.set(host, this.now());
  }

  private async learnDelay(req: QueuedRequest): Promise<void> {
    const delay = await this.policy.crawlDelayMs(req.url);
    if (delay !== null && (await this.delays.setCrawlDelay(req.host, delay))) this.raisedAt.set(req.host, this.now());
  }
}
