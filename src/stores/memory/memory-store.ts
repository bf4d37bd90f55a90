/**
 * The `memory` store: the seen set, the frontier and the commit of a page's outcome in this
 * process's memory. For tests, benchmarks and one-off crawls; nothing survives the process.
 *
 * Atomicity comes from running every operation synchronously to completion (an `async`
 * method body with no `await`): nothing interleaves with an enqueue or a commit on the event
 * loop. All-or-nothing comes from checking everything before changing anything: a malformed
 * request or an unknown lease rejects the call with no effect.
 */
import type {
  CommitResult,
  Fingerprint,
  FrontierStats,
  HostPolicy,
  HostStats,
  LeaseBatch,
  LeaseOptions,
  PageOutcome,
  QueuedRequest,
  SeenFilter,
  Store,
  StoreCapabilities,
  StoreOpenInfo,
  StoreOptions,
} from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { MemoryFrontier } from '../../frontier/memory-frontier.ts';
import { fingerprintBytes, validatePageOutcome, validateQueuedRequests } from '../../frontier/validate-request.ts';
import { MemorySeenFilter } from '../../seen/memory-seen-filter.ts';
import { MemoryKV } from '../../kv/memory-kv.ts';

/** A seen set with a synchronous batch test-and-set, as the memory store needs. */
export interface SyncSeenFilter extends SeenFilter {
  addManySync(fps: readonly Fingerprint[]): boolean[];
}

/** Options of a MemoryStore. */
export interface MemoryStoreOptions extends StoreOptions {
  /** A seen set to use instead of a fresh MemorySeenFilter; the caller keeps owning it. */
  seen?: SyncSeenFilter;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Clock of the KV's expiry (epoch ms). */
  clock?: () => number;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({ durable: false, shared: false, items: false, feedCheckpoint: false });

/** A Store held entirely in memory. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly capabilities = CAPABILITIES;
  readonly seen: SyncSeenFilter;
  readonly kv: MemoryKV;
  private readonly frontier: MemoryFrontier;
  private readonly ownsSeen: boolean;
  private state: 'new' | 'open' | 'closed' = 'new';
  private done = 0;
  private failed = 0;
  private items = 0;

  constructor(options: MemoryStoreOptions) {
    this.frontier = new MemoryFrontier({ hostPolicy: options.hostPolicy, maxDeliveries: options.maxDeliveries, random: options.random });
    this.ownsSeen = options.seen === undefined;
    this.seen = options.seen ?? new MemorySeenFilter();
    this.kv = new MemoryKV(options.clock);
  }

  /** Opens the store: always a fresh crawl. */
  async open(): Promise<StoreOpenInfo> {
    if (this.state === 'closed') throw closedError();
    this.state = 'open';
    return { resumed: false, recoveredLeases: 0 };
  }

  /** Seen test-and-set (unless dontFilter) and push, in one synchronous step. */
  async enqueue(requests: QueuedRequest[]): Promise<boolean[]> {
    this.assertOpen();
    validateQueuedRequests(requests);
    return this.admit(requests);
  }

  /** Leases up to `max` requests from hosts whose politeness allows a start at `now`. */
  async lease(options: LeaseOptions): Promise<LeaseBatch> {
    this.assertOpen();
    const { max, now, leaseMs } = options;
    if (!(Number.isInteger(max) && max >= 0) || !Number.isFinite(now) || !(Number.isFinite(leaseMs) && leaseMs > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid lease options ${JSON.stringify({ max, now, leaseMs })}`);
    }
    return this.frontier.lease(max, now, leaseMs);
  }

  /** Settles a lease: children through the seen set, new ones pushed, counts updated. */
  async commit(outcome: PageOutcome): Promise<CommitResult> {
    this.assertOpen();
    validatePageOutcome(outcome);
    if (this.frontier.getLease(outcome.id) === undefined) {
      throw new StoreError(ErrorCodes.STORE_UNKNOWN_LEASE, `no open lease for request ${outcome.id}`, { details: { id: outcome.id } });
    }
    validateQueuedRequests(outcome.children);
    // Nothing below can fail on valid input: the commit applies whole.
    const added = this.admit(outcome.children);
    this.frontier.settle(outcome.id);
    if (outcome.result.kind === 'done') this.done++;
    else this.failed++;
    this.items += outcome.items.length;
    return { added };
  }

  /** Gives a leased request back, ready again at `retryAt`. */
  async release(id: string, retryAt: number): Promise<void> {
    this.assertOpen();
    if (!Number.isFinite(retryAt)) throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid retryAt ${retryAt}`);
    this.frontier.release(id, retryAt);
  }

  /** Returns leases expired at `now` to the queue; retires those past maxDeliveries. */
  async expireLeases(now: number): Promise<number> {
    this.assertOpen();
    return this.frontier.expire(now).returned;
  }

  /** Sets one host's politeness (unset fields follow the default). */
  async setHostPolicy(host: string, policy: Partial<HostPolicy>): Promise<void> {
    this.assertOpen();
    this.frontier.setHostPolicy(host, policy);
  }

  /** Counts of the crawl so far. */
  async stats(): Promise<FrontierStats> {
    this.assertOpen();
    const f = this.frontier;
    return { pending: f.pending, leased: f.leased, done: this.done, failed: this.failed, retired: f.retired, seen: this.seen.size, items: this.items };
  }

  /** Hosts with pending or leased requests, largest queue first. */
  async hostStats(limit?: number): Promise<HostStats[]> {
    this.assertOpen();
    return this.frontier.hostStats(limit);
  }

  /** True when nothing is pending and no lease is open. */
  async isFinished(): Promise<boolean> {
    this.assertOpen();
    return this.frontier.isFinished();
  }

  /** Frees everything; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.kv.close();
    if (this.ownsSeen) await this.seen.close();
  }

  /** Runs the seen test-and-set for the filtered requests and pushes every new one, in order. */
  private admit(requests: readonly QueuedRequest[]): boolean[] {
    const n = requests.length;
    const fps: Fingerprint[] = [];
    for (let i = 0; i < n; i++) if (!requests[i].dontFilter) fps.push(fingerprintBytes(requests[i].fingerprint));
    const fresh = fps.length > 0 ? this.seen.addManySync(fps) : [];
    const added = new Array<boolean>(n);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const request = requests[i];
      const isNew = request.dontFilter ? true : fresh[j++];
      added[i] = isNew;
      if (isNew) this.frontier.push(request);
    }
    return added;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw this.state === 'closed' ? closedError() : new StoreError(ErrorCodes.STORE_CLOSED, 'memory store is not open yet');
  }
}

function closedError(): StoreError {
  return new StoreError(ErrorCodes.STORE_CLOSED, 'memory store is closed');
}
