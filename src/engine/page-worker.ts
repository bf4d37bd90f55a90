/**
 * Processes one leased request up to (not including) its commit: robots.txt, the fetch,
 * retries, redirects, the spider's parse, item pipelines and child requests.
 *
 * Invariants: it never commits or releases itself — it returns what should happen (commit a
 * draft, release for a retry, or give the lease back after an abort), so the crawler settles
 * every lease exactly once. Retryable failures are released with a retry time, so a retrying
 * request does not hold its host's politeness slot while it waits.
 */
import type { Lease, QueuedRequest } from '../contracts.ts';
import { type FetchResult, type Fetcher, redirectTarget } from '../downloader/fetcher.ts';
import { isRetryableStatus, retryDecision } from '../downloader/retry-policy.ts';
import { ErrorCodes, errorCodeOf, isSuperfilterError } from '../errors.ts';
import { buildRequest, requestBody } from './build-request.ts';
import { type ChildRules, childRequests } from './child-requests.ts';
import type { CrawlEvents } from './crawl-events.ts';
import type { HostDelays } from './host-delays.ts';
import { runPipelines } from './item-pipelines.ts';
import type { PageDraft } from './page-committer.ts';
import type { RobotsAnswer, RobotsGate } from './robots-gate.ts';
import type { SpiderRunner } from './spider-runner.ts';

/** What the crawler does with a processed lease. */
export type LeaseOutcome =
  | { kind: 'commit'; draft: PageDraft; fetched: boolean }
  | { kind: 'release'; retryAt: number; fetched: boolean }
  | { kind: 'aborted' };

/** Everything a page needs, shared by all pages of a crawl. */
export interface PageWorkerDeps {
  fetcher: Fetcher;
  spider: SpiderRunner;
  rules: ChildRules;
  robots: RobotsGate | null;
  events: CrawlEvents;
  retries: number;
  retryBaseMs: number;
  maxRedirects: number;
  /** Per-host delays (robots.txt crawl-delay, adaptive throttle); absent: the store's defaults only. */
  delays?: HostDelays;
  /** Attempts already made per request id in this process (a store may not count releases). */
  attempts: Map<string, number>;
  /** Releases per request id in this process that were not fetch attempts (robots.txt waits, hold-backs). */
  holds?: Map<string, number>;
  /** Of `holds`, the hold-backs (politeness), which are not robots.txt waits either. */
  holdBacks?: Map<string, number>;
  /** The lease duration the crawler asks for (the lease time is `expiresAt - leaseMs`). */
  leaseMs?: number;
  /**
   * The `politenessSlackMs` setting: for a host with a delay, a request not sent within half
   * of it after its lease is held back (released at once, leased again when the delay allows).
   */
  slackMs?: number;
  /** The store's `maxDeliveries`: hold-backs stop early enough that they never make a request retirable. */
  maxDeliveries?: number;
  /** Called after each hold-back for lateness, with how late the request was (ms past its lease). */
  onLate?: (lateMs: number) => void;
  now: () => number;
}

function hold(deps: PageWorkerDeps, id: string, holdBack = false): void {
  deps.holds?.set(id, (deps.holds.get(id) ?? 0) + 1);
  if (holdBack) deps.holdBacks?.set(id, (deps.holdBacks.get(id) ?? 0) + 1);
}

/**
 * Whether a request should be held back instead of fetched late. The store spaced its lease
 * from the previous one to its host by delay + slack; sending it more than half the slack after
 * the lease could bring it to the server closer than the delay after the previous request (sent
 * promptly), the other half absorbing the time from `fetch` to the server. Only hosts with a
 * delay are held back, and only while the hold-back leaves the request two deliveries short of
 * `maxDeliveries` (a lease that expires at `maxDeliveries` retires the request; hold-backs must
 * not bring a request there): such a request is fetched late rather than put at risk.
 */
function heldBackLate(deps: PageWorkerDeps, lease: Lease): boolean {
  const slack = deps.slackMs ?? 0;
  if (slack <= 0 || deps.leaseMs === undefined || deps.delays === undefined) return false;
  if (deps.delays.delayMs(lease.request.host) <= 0) return false;
  const late = deps.now() - (lease.expiresAt - deps.leaseMs);
  if (late <= slack / 2) return false;
  if (deps.maxDeliveries !== undefined && lease.deliveries + 2 > deps.maxDeliveries) {
    deps.events.emit('log', {
      level: 'debug',
      message: `${lease.request.url} fetched ${Math.round(late)} ms after its lease: delivery ${lease.deliveries} of ${deps.maxDeliveries} is not held back`,
    });
    return false;
  }
  hold(deps, lease.request.id, true);
  deps.onLate?.(late);
  return true;
}

function draft(req: QueuedRequest, result: PageDraft['result'], children: QueuedRequest[] = []): PageDraft {
  return { id: req.id, result, children, items: [], itemJsons: [] };
}

function failure(deps: PageWorkerDeps, req: QueuedRequest, code: string, message: string, status?: number): PageDraft {
  deps.events.emit('failure', { url: req.url, code, message, ...(status === undefined ? {} : { status }) });
  deps.attempts.delete(req.id);
  return draft(req, status === undefined ? { kind: 'failed', code, message } : { kind: 'failed', code, message, status });
}

/** Runs one lease through robots, fetch, retries, redirects and parse. */
export async function processLease(lease: Lease, deps: PageWorkerDeps, signal: AbortSignal): Promise<LeaseOutcome> {
  const req = lease.request;
  if (deps.robots !== null) {
    let answer: Awaited<ReturnType<RobotsGate['check']>>;
    try {
      answer = await deps.robots.check(req, deps.leaseMs === undefined ? undefined : lease.expiresAt - deps.leaseMs);
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      const code = errorCodeOf(error);
      return { kind: 'commit', fetched: false, draft: failure(deps, req, code, (error as Error).message) };
    }
    if (signal.aborted) return { kind: 'aborted' };
    if (!answer.allowed) return robotsRefusal(deps, lease, answer);
    if (answer.holdBack && (deps.maxDeliveries === undefined || lease.deliveries + 2 <= deps.maxDeliveries)) {
      hold(deps, req.id, true);
      return { kind: 'release', retryAt: deps.now(), fetched: false };
    }
  }

  // Deliveries count every lease; releases that were not fetch attempts do not use up retries.
  const attempt = Math.max(lease.deliveries - (deps.holds?.get(req.id) ?? 0), (deps.attempts.get(req.id) ?? 0) + 1);
  const retryLater = (failed: unknown, headers: Record<string, string> | undefined): LeaseOutcome | null => {
    const decision = retryDecision(failed, attempt - 1, headers, { retries: deps.retries, retryBaseMs: deps.retryBaseMs, now: deps.now });
    if (!decision.retry) return null;
    deps.attempts.set(req.id, attempt);
    deps.events.emit('retry', { url: req.url, code: decision.reason, attempt, delayMs: decision.delayMs });
    return { kind: 'release', retryAt: deps.now() + decision.delayMs, fetched: true };
  };

  // Checked last before the fetch, after robots.txt and everything else that could take time.
  if (heldBackLate(deps, lease)) return { kind: 'release', retryAt: deps.now(), fetched: false };
  let res: FetchResult;
  try {
    res = await deps.fetcher.fetch({ url: req.url, method: req.method, headers: req.headers, body: requestBody(req) }, signal);
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted' };
    const code = errorCodeOf(error);
    const later = retryLater(error, undefined);
    if (later) return later;
    return { kind: 'commit', fetched: true, draft: failure(deps, req, code, (error as Error).message) };
  }
  deps.events.emit('response', { url: req.url, status: res.status, bytes: res.bytesOnWire, ms: Math.round(res.elapsedMs), depth: req.depth });
  if (deps.delays?.adaptive) await deps.delays.observe(req.host, res.elapsedMs, res.status);

  const status = res.status;
  if (status >= 300 && status < 400) return { kind: 'commit', fetched: true, draft: redirect(deps, req, res) };
  if (isRetryableStatus(status)) {
    const later = retryLater(status, res.headers);
    if (later) return later;
  }
  if (status < 200 || status >= 300) {
    return { kind: 'commit', fetched: true, draft: failure(deps, req, ErrorCodes.FETCH_HTTP_STATUS, `HTTP ${status}`, status) };
  }
  deps.attempts.delete(req.id);

  try {
    const out = await deps.spider.parse(res, req, signal);
    const kept = await runPipelines(out.items, deps.spider.pipelines, req.url);
    const children = childRequests(out.requests, req, res.url, deps.rules, deps.events);
    if (kept.items.length > 0 || kept.dropped > 0) deps.events.emit('items', { url: req.url, count: kept.items.length, dropped: kept.dropped });
    return {
      kind: 'commit',
      fetched: true,
      draft: { id: req.id, result: { kind: 'done', status }, children, items: kept.items, itemJsons: kept.jsons },
    };
  } catch (error) {
    const code = isSuperfilterError(error) ? error.code : ErrorCodes.SPIDER_PARSE;
    const message = (error as Error)?.message ?? String(error);
    deps.events.emit('spiderError', { url: req.url, code, message });
    return { kind: 'commit', fetched: true, draft: draft(req, { kind: 'failed', code, message, status }) };
  }
}

/**
 * A request robots.txt does not allow. Forbidden by the rules: failed at once. Robots.txt
 * unreachable: released until it is fetched again, at most `unreachableWaits` times (counted by
 * the lease's deliveries, which every store keeps across releases and restarts), then failed.
 */
function robotsRefusal(deps: PageWorkerDeps, lease: Lease, answer: RobotsAnswer): LeaseOutcome {
  const req = lease.request;
  if (answer.reason === 'unreachable') {
    // Deliveries that were politeness hold-backs in this process are not waits.
    const waits = lease.deliveries - 1 - (deps.holdBacks?.get(req.id) ?? 0);
    const allowed = deps.robots?.unreachableWaits ?? 0;
    if (waits < allowed) {
      const retryAt = Math.max(answer.retryAt ?? deps.now(), deps.now());
      deps.events.emit('retry', { url: req.url, code: 'robots-unreachable', attempt: waits + 1, delayMs: retryAt - deps.now() });
      hold(deps, req.id);
      return { kind: 'release', retryAt, fetched: false };
    }
    deps.events.emit('robotsBlocked', { url: req.url, reason: 'unreachable' });
    const message = `robots.txt of ${req.host} stayed unreachable (${waits} waits): the site is treated as disallowed`;
    return { kind: 'commit', fetched: false, draft: failure(deps, req, ErrorCodes.ROBOTS_DISALLOWED, message) };
  }
  deps.events.emit('robotsBlocked', { url: req.url, reason: 'rules' });
  deps.attempts.delete(req.id);
  return { kind: 'commit', fetched: false, draft: draft(req, { kind: 'failed', code: ErrorCodes.ROBOTS_DISALLOWED, message: 'forbidden by robots.txt' }) };
}

/** A 3xx: the target becomes a child request (same depth, one more hop) through scope and the seen set. */
function redirect(deps: PageWorkerDeps, req: QueuedRequest, res: FetchResult): PageDraft {
  const target = redirectTarget(res);
  if (target === null) return draft(req, { kind: 'done', status: res.status });
  const hops = (req.redirects ?? 0) + 1;
  if (hops > deps.maxRedirects) {
    return failure(deps, req, ErrorCodes.FETCH_TOO_MANY_REDIRECTS, `more than ${deps.maxRedirects} redirects, last to ${target}`, res.status);
  }
  // 303, and 301/302 after a POST, turn into a GET without a body (as browsers do).
  const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
  const built = buildRequest(
    {
      url: target,
      method: toGet ? 'GET' : req.method,
      headers: req.headers,
      body: toGet ? undefined : requestBody(req),
      priority: req.priority,
      label: req.label,
      userData: req.userData,
      dontFilter: req.dontFilter,
    },
    { depth: req.depth, maxUrlLength: deps.rules.maxUrlLength, parentId: req.id, redirects: hops },
  );
  if (!built.ok) {
    deps.events.emit('dropped', { url: target, reason: built.reason, from: req.url });
    return draft(req, { kind: 'done', status: res.status });
  }
  const child = built.request;
  deps.events.emit('redirect', { from: req.url, to: child.url, status: res.status });
  // A start URL that moved (example.com → www.example.com): where it landed is a start URL too.
  if (req.depth === 0) deps.rules.admitSeed?.(child.url);
  if (!deps.rules.inScope(child.url)) {
    deps.events.emit('dropped', { url: child.url, reason: 'offsite', from: req.url });
    return draft(req, { kind: 'done', status: res.status });
  }
  if (deps.rules.follows && !deps.rules.follows(child.url)) {
    deps.events.emit('dropped', { url: child.url, reason: 'pattern', from: req.url });
    return draft(req, { kind: 'done', status: res.status });
  }
  return draft(req, { kind: 'done', status: res.status }, [child]);
}
