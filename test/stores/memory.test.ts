import type {
  CommitResult,
  FeedCheckpoint,
  HostPolicy,
  LeaseOptions,
  PageOutcome,
  QueuedRequest,
  Store,
  StoreCapabilities,
  StoreOpenInfo,
  StoreOptions,
} from '../../src/contracts.ts';
import { ErrorCodes, StoreError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/stores/memory/memory-store.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('memory', {
  async create(options) {
    return new MemoryStore(options);
  },
});

/** The backing data a ReopenableStore keeps across "reopen": what a durable store keeps on disk. */
interface Backing {
  inner: MemoryStore;
  opens: number;
  items: number;
  feed?: FeedCheckpoint;
  /** Ids handed out by lease and not yet settled through this wrapper. */
  leased: Set<string>;
}

/**
 * Test-only: a MemoryStore that outlives `close`, so the suite's durability tests (reopen,
 * recovered leases, feed checkpoint, items) are themselves exercised here before the durable
 * backends rely on them.
 */
class ReopenableStore implements Store {
  readonly kind = 'memory-reopenable';
  readonly capabilities: StoreCapabilities = { durable: true, shared: false, items: true, feedCheckpoint: true };
  private closed = false;

  constructor(readonly backing: Backing) {}

  get seen() {
    return this.backing.inner.seen;
  }
  get kv() {
    return this.backing.inner.kv;
  }

  async open(): Promise<StoreOpenInfo> {
    const b = this.backing;
    if (b.opens++ === 0) return this.backing.inner.open();
    let recoveredLeases = 0;
    for (const id of b.leased) {
      // A lease open at close belonged to a dead process: it comes back at once, deliveries kept.
      await b.inner.release(id, 0).then(
        () => recoveredLeases++,
        () => {},
      );
    }
    b.leased.clear();
    return { resumed: true, recoveredLeases, ...(b.feed ? { feed: b.feed } : {}) };
  }
  async enqueue(requests: QueuedRequest[]) {
    this.check();
    return this.backing.inner.enqueue(requests);
  }
  async lease(options: LeaseOptions) {
    this.check();
    const batch = await this.backing.inner.lease(options);
    for (const l of batch.leases) this.backing.leased.add(l.request.id);
    return batch;
  }
  async commit(outcome: PageOutcome): Promise<CommitResult> {
    this.check();
    const result = await this.backing.inner.commit(outcome);
    this.backing.items += outcome.items.length;
    if (outcome.feed) this.backing.feed = outcome.feed;
    this.backing.leased.delete(outcome.id);
    return result;
  }
  async release(id: string, retryAt: number) {
    this.check();
    await this.backing.inner.release(id, retryAt);
    this.backing.leased.delete(id);
  }
  async expireLeases(now: number) {
    this.check();
    return this.backing.inner.expireLeases(now);
  }
  async setHostPolicy(host: string, policy: Partial<HostPolicy>) {
    this.check();
    return this.backing.inner.setHostPolicy(host, policy);
  }
  async stats() {
    this.check();
    return { ...(await this.backing.inner.stats()), items: this.backing.items };
  }
  async hostStats(limit?: number) {
    this.check();
    return this.backing.inner.hostStats(limit);
  }
  async isFinished() {
    this.check();
    return this.backing.inner.isFinished();
  }
  async close() {
    this.closed = true;
  }
  private check() {
    if (this.closed) throw new StoreError(ErrorCodes.STORE_CLOSED, 'closed');
  }
}

runStoreConformance('memory (reopenable test wrapper)', {
  async create(options: StoreOptions) {
    return new ReopenableStore({ inner: new MemoryStore(options), opens: 0, items: 0, leased: new Set() });
  },
  async reopen(previous) {
    return new ReopenableStore((previous as ReopenableStore).backing);
  },
  async destroy(store) {
    await (store as ReopenableStore).backing.inner.close();
  },
});
