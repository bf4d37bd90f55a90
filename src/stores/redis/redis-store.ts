/**
 * The `redis` store: one crawl shared by many workers on many machines (docs/fleet.md).
 *
 * Owns the protocol between a worker and Redis; the data rules live in the Lua scripts of
 * lua/. Invariants:
 * - every script runs in one hash slot: host scripts in the host's slot `{crawl|host}` (seen
 *   buckets, queue, leases, items), crawl scripts in `{crawl}` (the index of hosts);
 * - a request is marked seen only by the same script that queues it, so no crash leaves a
 *   request "seen but not queued";
 * - a page's commit pushes children of other hosts first (one script per host, idempotent),
 *   reports those hosts to the index, and only then runs the ack script in the page's own host,
 *   which ends the lease, stores the items and pushes same-host children at once. A worker
 *   dying before the ack leaves the lease to expire; the page is fetched again and its
 *   children are found seen and already queued. Items are written by the ack alone.
 * - the crawl-level index only lags the host slots; isFinished confirms an empty-looking
 *   crawl with a census of every host before it answers true.
 *
 * The store keeps the protocol's order and its round trips; the parts it drives get a
 * StoreContext and never import this module: seed-claim.ts (joining, seeding), lease-batch.ts
 * (claim and per-host leases), push-groups.ts (pushes to many hosts), request-args.ts (how
 * requests are sent to the scripts), host-census.ts (the census).
 */
import type { ConnectionOptions } from 'node:tls';
import { Cluster, type Redis } from 'ioredis';
import type {
  CommitResult,
  FrontierStats,
  HostPolicy,
  HostStats,
  LeaseBatch,
  LeaseOptions,
  PageOutcome,
  QueuedRequest,
  Store,
  StoreCapabilities,
  StoreOpenInfo,
  StoreOptions,
} from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { validateHostPolicy } from '../../frontier/memory-frontier.ts';
import { validatePageOutcome, validateQueuedRequests } from '../../frontier/validate-request.ts';
import { CrawlIndex, parseHostStats } from './crawl-index.ts';
import { takeHostCensus } from './host-census.ts';
import { type HeldLease, leaseBatch } from './lease-batch.ts';
import { applyGroups, pushGroups, sendGroups } from './push-groups.ts';
import { createRedisClient, type RedisLog, stderrLog, withConnectionFailure } from './redis-connection.ts';
import { isTaggableHost, RedisKeys } from './redis-keys.ts';
import { RedisKV } from './redis-kv.ts';
import { defineScripts, type RedisScripts } from './redis-scripts.ts';
import { RedisSeenFilter } from './redis-seen-filter.ts';
import { checkListpackConfig, retrying } from './redis-support.ts';
import { checkHosts, groupByHost, requestArgs } from './request-args.ts';
import { SeedClaim } from './seed-claim.ts';
import type { StoreContext } from './store-context.ts';

/** Options of a RedisStore. */
export interface RedisStoreOptions extends StoreOptions {
  /** `redis://`, `rediss://` or `redis+cluster://host:port,host:port` (ignored when `client` is given). */
  url?: string;
  /** TLS options for a `rediss://` URL, e.g. `{ ca }` to trust a private CA (ignored when `client` is given). */
  tls?: ConnectionOptions;
  /** An existing ioredis client or cluster to use; the caller keeps owning it. */
  client?: Redis | Cluster;
  /** Name of the shared crawl: `[A-Za-z0-9._-]`. */
  crawl: string;
  /** Key prefix (default `sf`). */
  prefix?: string;
  /** Operational log lines (reconnects, retries, configuration warnings). */
  log?: RedisLog;
  /** How long a claimed host is held for the claiming worker (ms, default 2000). */
  holdMs?: number;
  /** How long acked lease tokens are remembered for retried commits (ms, default 120000). */
  ackRetentionMs?: number;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({ durable: true, shared: true, items: true, feedCheckpoint: false });

function unknownLease(id: string): StoreError {
  return new StoreError(ErrorCodes.STORE_UNKNOWN_LEASE, `no open lease for request ${id}`, { details: { id } });
}

/** A Store on Redis (standalone or Cluster), shared by every worker of a crawl. */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly capabilities = CAPABILITIES;
  readonly seen: RedisSeenFilter;
  readonly kv: RedisKV;
  readonly keys: RedisKeys;
  /** Redis round trips made so far (a group of concurrent commands counts once). */
  roundTrips = 0;
  private client?: Redis | Cluster;
  private scriptSet?: RedisScripts;
  private crawlIndex?: CrawlIndex;
  private state: 'new' | 'open' | 'closed' = 'new';
  private readonly held = new Map<string, HeldLease>();
  private readonly policyArgs: string[];
  private readonly log: RedisLog;
  private readonly holdMs: number;
  private readonly ackRetentionMs: number;
  private readonly random: () => number;
  private knownSeen = 0;
  private flushTimer?: NodeJS.Timeout;
  private readonly ctx: StoreContext;
  private readonly seed: SeedClaim;

  constructor(private readonly options: RedisStoreOptions) {
    validateHostPolicy(options.hostPolicy);
    if (!(Number.isInteger(options.maxDeliveries) && options.maxDeliveries > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `maxDeliveries must be a whole number > 0 (got ${options.maxDeliveries})`);
    }
    this.keys = new RedisKeys(options.prefix ?? 'sf', options.crawl);
    const p = options.hostPolicy;
    this.policyArgs = [String(p.concurrency), String(p.delayMs), String(p.jitterMs ?? 0)];
    this.log = options.log ?? stderrLog;
    this.holdMs = options.holdMs ?? 2000;
    this.ackRetentionMs = options.ackRetentionMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.ctx = {
      keys: this.keys,
      policyArgs: this.policyArgs,
      redis: () => this.redis(),
      scripts: () => this.scripts(),
      index: () => this.index(),
      rt: (fn) => this.rt(fn),
      scheduleFlush: () => this.scheduleFlush(),
      addSeen: (n) => {
        this.knownSeen += n;
      },
    };
    this.seed = new SeedClaim(this.ctx);
    this.kv = new RedisKV(() => this.redis(), this.keys);
    this.seen = new RedisSeenFilter({
      scripts: () => this.scripts(),
      keys: this.keys,
      index: () => this.index(),
      policyArgs: this.policyArgs,
      knownSize: () => this.knownSeen,
      onAdded: (n) => {
        this.knownSeen += n;
        this.scheduleFlush();
      },
    });
  }

  /** The connection (after open). */
  redis(): Redis | Cluster {
    this.assertOpen();
    return this.client!;
  }

  /** Connects, checks the layout, and tells whether the crawl existed (join) or is new (seed it). */
  async open(): Promise<StoreOpenInfo> {
    if (this.state === 'closed') throw closedError();
    if (this.state === 'open') return { resumed: true, recoveredLeases: 0 };
    const client = this.options.client ?? createRedisClient(this.options.url ?? 'redis://127.0.0.1:6379', this.log, { tls: this.options.tls });
    this.client = client;
    this.scriptSet = defineScripts(client);
    this.crawlIndex = new CrawlIndex(this.scriptSet, this.keys);
    this.state = 'open';
    await withConnectionFailure(client, () => checkListpackConfig(client, this.log));
    return this.seed.join();
  }

  /** Seen test-and-set + push, per host in one script each; all hosts in one round trip. */
  async enqueue(requests: QueuedRequest[]): Promise<boolean[]> {
    this.assertOpen();
    validateQueuedRequests(requests);
    checkHosts(requests);
    if (requests.length === 0) return [];
    const groups = groupByHost(requests);
    const added = new Array<boolean>(requests.length).fill(false);
    await this.retry('enqueue', () => pushGroups(this.ctx, requests, groups, added, Date.now(), true));
    this.seed.extend();
    await this.retry('enqueue report', () => this.rt(() => this.index().report()));
    return added;
  }

  /** Claims ready hosts in the crawl index, then leases from each in its own slot. */
  async lease(options: LeaseOptions): Promise<LeaseBatch> {
    this.assertOpen();
    const { max, now, leaseMs } = options;
    if (!(Number.isInteger(max) && max >= 0) || !Number.isFinite(now) || !(Number.isFinite(leaseMs) && leaseMs > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid lease options ${JSON.stringify({ max, now, leaseMs })}`);
    }
    await this.seed.markSeeded();
    return leaseBatch(this.ctx, options, { holdMs: this.holdMs, random: this.random }, this.held);
  }

  /** Commits a page: other hosts' children, their report, then the ack with items and same-host children. */
  async commit(outcome: PageOutcome): Promise<CommitResult> {
    this.assertOpen();
    validatePageOutcome(outcome);
    const lease = this.held.get(outcome.id);
    if (lease === undefined) throw unknownLease(outcome.id);
    validateQueuedRequests(outcome.children);
    checkHosts(outcome.children);
    const children = outcome.children;
    const added = new Array<boolean>(children.length).fill(false);
    const groups = groupByHost(children);
    const own = groups.get(lease.host) ?? [];
    groups.delete(lease.host);
    const now = Date.now();
    const cluster = this.client instanceof Cluster;
    if (groups.size > 0 && cluster) await this.retry('commit children', () => pushGroups(this.ctx, children, groups, added, now, false));
    const ownChildren = own.map((i) => children[i]);
    const ackArgs = [
      String(now),
      ...this.policyArgs,
      outcome.id,
      lease.token,
      outcome.result.kind,
      String(this.ackRetentionMs),
      String(outcome.items.length),
      ...outcome.items,
      String(ownChildren.length),
      ...requestArgs(ownChildren),
    ];
    const ack = () => this.scripts()['host-ack'](this.keys.host(lease.host), ackArgs);
    const reply = await this.retry('commit', async () => {
      if (groups.size === 0) return this.rt(ack);
      if (cluster) {
        // Different nodes run these: the children and the report must be in before the ack goes out.
        await this.rt(() => this.index().report());
        return this.rt(ack);
      }
      // One connection, one server: Redis runs what was sent in the order it was sent, so the
      // other hosts' children (registered and pushed) and the report are in before the ack, in
      // one round trip. A resend after a lost connection is harmless: pushes test the seen set
      // first and the ack checks its lease token.
      const [pushed, , r] = await this.rt(() => Promise.all([sendGroups(this.ctx, children, groups, now, false), this.index().report(), ack()]));
      applyGroups(this.ctx, groups, pushed, added);
      return r;
    });
    this.held.delete(outcome.id);
    if (reply[0] === '0') throw unknownLease(outcome.id);
    own.forEach((childIndex, k) => {
      added[childIndex] = reply[1][k] === '1';
    });
    this.index().add(lease.host, reply.slice(2));
    this.scheduleFlush();
    return { added };
  }

  /** Gives a leased request back, ready again at `retryAt`. */
  async release(id: string, retryAt: number): Promise<void> {
    this.assertOpen();
    if (!Number.isFinite(retryAt)) throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid retryAt ${retryAt}`);
    const lease = this.held.get(id);
    if (lease === undefined) throw unknownLease(id);
    const args = [String(Date.now()), ...this.policyArgs, id, lease.token, String(retryAt)];
    const reply = await this.retry('release', () => this.rt(() => this.scripts()['host-release'](this.keys.host(lease.host), args)));
    this.held.delete(id);
    if (reply[0] !== '1') throw unknownLease(id);
    this.index().add(lease.host, reply.slice(1));
    this.scheduleFlush();
  }

  /** Returns leases that expired before `now` to their queues; retires those past maxDeliveries. */
  async expireLeases(now: number): Promise<number> {
    this.assertOpen();
    let returned = 0;
    for (let round = 0; round < 20; round++) {
      const hosts = await this.rt(() =>
        this.index().carry((reports) => this.scripts()['crawl-due'](this.keys.index, [String(now), '200', String(this.holdMs), ...reports])),
      );
      if (hosts.length === 0) break;
      const args = [String(now), ...this.policyArgs, String(this.options.maxDeliveries), '1000'];
      const replies = await this.rt(() => Promise.all(hosts.map((h) => this.scripts()['host-expire'](this.keys.host(h), args))));
      replies.forEach((reply, i) => {
        returned += Number(reply[0]);
        this.index().add(hosts[i], reply.slice(2));
      });
      if (hosts.length < 200) break;
    }
    if (this.index().size > 0) this.scheduleFlush();
    return returned;
  }

  /** Sets one host's politeness for every worker of the crawl. */
  async setHostPolicy(host: string, policy: Partial<HostPolicy>): Promise<void> {
    this.assertOpen();
    validateHostPolicy(policy);
    if (!isTaggableHost(host)) throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid host ${JSON.stringify(host)}`);
    const field = (v: number | undefined) => (v === undefined ? '' : String(v));
    const args = [String(Date.now()), ...this.policyArgs, field(policy.concurrency), field(policy.delayMs), field(policy.jitterMs)];
    const reply = await this.rt(() => this.scripts()['host-policy'](this.keys.host(host), args));
    this.index().add(host, reply);
    this.scheduleFlush();
  }

  /** Totals of the whole crawl (every worker's reports so far, this worker's included). */
  async stats(): Promise<FrontierStats> {
    this.assertOpen();
    const stats = await this.rt(() => this.index().report());
    this.knownSeen = stats.seen;
    return stats;
  }

  /** Hosts with pending or leased requests, largest queue first. */
  async hostStats(limit?: number): Promise<HostStats[]> {
    this.assertOpen();
    await this.rt(() => this.index().report());
    const all = await this.rt(() => this.redis().hgetall(this.keys.index[0]));
    return parseHostStats(all, limit);
  }

  /** True when seeding is over and no host has pending requests or open leases (confirmed by a census). */
  async isFinished(): Promise<boolean> {
    this.assertOpen();
    if (!(await this.seed.isOver())) return false;
    const before = await this.stats();
    if (before.pending > 0 || before.leased > 0) return false;
    await takeHostCensus(this.ctx);
    const after = await this.stats();
    return after.pending === 0 && after.leased === 0;
  }

  /** Sends waiting reports, ends seeding if this worker seeded, and disconnects; twice is harmless. */
  async close(): Promise<void> {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    try {
      await this.seed.markSeeded();
      if (this.index().size > 0) await this.index().report();
    } catch (error) {
      this.log('warn', `redis store: could not send the last reports on close: ${(error as Error).message}`);
    } finally {
      this.state = 'closed';
      if (!this.options.client) await this.client?.quit().catch(() => this.client?.disconnect());
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.state !== 'open') return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state !== 'open' || this.index().size === 0) return;
      this.index()
        .report()
        .then(
          () => this.roundTrips++,
          (error: Error) => this.log('warn', `redis store: report failed, will resend: ${error.message}`),
        );
    }, 100);
    this.flushTimer.unref();
  }

  private async rt<T>(fn: () => Promise<T>): Promise<T> {
    this.roundTrips++;
    // A client closed for good (untrusted certificate, refused password) fails with why.
    return this.client ? withConnectionFailure(this.client, fn) : fn();
  }

  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retrying(what, fn, this.log, () => this.state === 'open');
  }

  private scripts(): RedisScripts {
    this.assertOpen();
    return this.scriptSet!;
  }

  private index(): CrawlIndex {
    this.assertOpen();
    return this.crawlIndex!;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw this.state === 'closed' ? closedError() : new StoreError(ErrorCodes.STORE_CLOSED, 'redis store is not open yet');
  }
}

function closedError(): StoreError {
  return new StoreError(ErrorCodes.STORE_CLOSED, 'redis store is closed');
}

/** Creates (does not open) a Redis store: the factory the engine's store selection calls. */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
