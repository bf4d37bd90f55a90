/**
 * The frontier in memory: per-host queues, the politeness clock and leases, synchronously.
 *
 * Owns every pending request (in its host's HostQueue, or in `delayed` until its retry time),
 * every open lease (id → LeaseRecord, plus a heap by expiry) and the delivery count of
 * requests that were leased before and came back. It does no seen-set work: stores do the
 * test-and-set and push only what is new.
 *
 * Invariants: `pending` = Σ host queue sizes + delayed entries; a request id is either pending
 * or leased, never both; a slot's `inFlight` equals its open leases; a lease past
 * `maxDeliveries` deliveries that expires is retired (counted, dropped), not queued again.
 */
import type { HostPolicy, HostStats, Lease, LeaseBatch, QueuedRequest } from '../contracts.ts';
import { ConfigError, ErrorCodes, StoreError } from '../errors.ts';
import { HostQueue } from './host-queue.ts';
import { type HostSlot, HostScheduler } from './host-scheduler.ts';
import { TimeHeap } from './time-heap.ts';

/** A host's ready queue plus how many of its requests wait for a retry time. */
class HostWork extends HostQueue<QueuedRequest> {
  delayed = 0;
}

/** An open lease, as the frontier keeps it. */
export class LeaseRecord {
  constructor(
    readonly request: QueuedRequest,
    readonly deliveries: number,
    readonly expiresAt: number,
    readonly slot: HostSlot<HostWork>,
  ) {}
}

/** What `expire` did. */
export interface ExpireResult {
  /** Leases returned to the queue. */
  returned: number;
  /** Requests given up because they reached `maxDeliveries`. */
  retired: QueuedRequest[];
}

/** Options of a MemoryFrontier. */
export interface MemoryFrontierOptions {
  hostPolicy: HostPolicy;
  maxDeliveries: number;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Checks a (partial) host policy; throws ConfigError SF_CONFIG_INVALID. */
export function validateHostPolicy(policy: Partial<HostPolicy>): void {
  const bad = (why: string) =>
    new ConfigError(ErrorCodes.CONFIG_INVALID, `host policy: ${why} (got ${JSON.stringify(policy)})`, { details: { policy } });
  if (policy.concurrency !== undefined && !(Number.isInteger(policy.concurrency) && policy.concurrency > 0)) {
    throw bad('concurrency must be a whole number > 0');
  }
  if (policy.delayMs !== undefined && !(Number.isFinite(policy.delayMs) && policy.delayMs >= 0)) throw bad('delayMs must be >= 0');
  if (policy.jitterMs !== undefined && !(Number.isFinite(policy.jitterMs) && policy.jitterMs >= 0)) throw bad('jitterMs must be >= 0');
}

/** Per-host queues + politeness + leases, in memory and synchronous. */
export class MemoryFrontier {
  private readonly scheduler: HostScheduler<HostWork>;
  private readonly leases = new Map<string, LeaseRecord>();
  private readonly expiries = new TimeHeap<LeaseRecord>();
  private readonly delayed = new TimeHeap<QueuedRequest>();
  /** Deliveries so far of pending requests that were leased before. */
  private readonly priorDeliveries = new Map<string, number>();
  private readonly maxDeliveries: number;
  private pendingCount = 0;
  private retiredCount = 0;

  constructor(options: MemoryFrontierOptions) {
    validateHostPolicy(options.hostPolicy);
    if (!(Number.isInteger(options.maxDeliveries) && options.maxDeliveries > 0)) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `maxDeliveries must be a whole number > 0 (got ${options.maxDeliveries})`);
    }
    this.maxDeliveries = options.maxDeliveries;
    this.scheduler = new HostScheduler<HostWork>({
      defaultPolicy: options.hostPolicy,
      createWork: () => new HostWork(),
      random: options.random,
    });
  }

  /** Requests waiting to be leased (including those waiting for a retry time). */
  get pending(): number {
    return this.pendingCount;
  }

  /** Open leases. */
  get leased(): number {
    return this.leases.size;
  }

  /** Requests given up after `maxDeliveries`. */
  get retired(): number {
    return this.retiredCount;
  }

  /** Adds `retired` to the retired count (a store restoring its counters). */
  restoreRetired(retired: number): void {
    this.retiredCount += retired;
  }

  /**
   * Queues a request. `deliveries` carries how often it was leased before (a store reloading
   * its queue); `readyAt` holds it back until that epoch ms.
   */
  push(request: QueuedRequest, deliveries = 0, readyAt?: number): void {
    const slot = this.scheduler.slot(request.host);
    if (deliveries > 0) this.priorDeliveries.set(request.id, deliveries);
    this.pendingCount++;
    if (readyAt !== undefined) {
      slot.work.delayed++;
      this.delayed.push(readyAt, request);
      return;
    }
    slot.work.push(request, request.priority, request.depth);
    this.scheduler.workAdded(slot);
  }

  /** Leases up to `max` requests of hosts ready at `now`, hosts taking turns. */
  lease(max: number, now: number, leaseMs: number): LeaseBatch {
    this.promoteDelayed(now);
    const leases: Lease[] = [];
    const scheduler = this.scheduler;
    const prior = this.priorDeliveries;
    const expiresAt = now + leaseMs;
    if (this.expiries.size > 2 * this.leases.size + 4096) this.rebuildExpiries();
    while (leases.length < max) {
      const slot = scheduler.nextReady(now);
      if (slot === undefined) break;
      const request = slot.work.pop()!;
      scheduler.started(slot, now);
      this.pendingCount--;
      let deliveries = 1;
      if (prior.size > 0) {
        const before = prior.get(request.id);
        if (before !== undefined) {
          deliveries = before + 1;
          prior.delete(request.id);
        }
      }
      const record = new LeaseRecord(request, deliveries, expiresAt, slot);
      this.leases.set(request.id, record);
      this.expiries.push(expiresAt, record);
      leases.push({ request, deliveries, expiresAt });
    }
    return { leases, wakeAt: this.wakeAt(now) };
  }

  /**
   * When `lease` could next return something: `now` if a host is ready, else the earliest
   * host ready time or retry time; if every host with work is at its concurrency limit, the
   * earliest lease expiry (when `expireLeases` may free a slot). Null when nothing is pending.
   */
  wakeAt(now: number): number | null {
    if (this.pendingCount === 0) return null;
    if (this.scheduler.hasReady(now)) return now;
    const host = this.scheduler.wakeAt();
    const retry = this.delayed.peekTime();
    if (host !== undefined || retry !== undefined) return Math.min(host ?? Number.POSITIVE_INFINITY, retry ?? Number.POSITIVE_INFINITY);
    this.dropSettledExpiries();
    return this.expiries.peekTime() ?? null;
  }

  /** The open lease of `id`, if any. */
  getLease(id: string): LeaseRecord | undefined {
    return this.leases.get(id);
  }

  /** Ends the lease of `id` (its page was committed). Throws StoreError SF_STORE_UNKNOWN_LEASE. */
  settle(id: string): LeaseRecord {
    const record = this.leases.get(id);
    if (record === undefined) throw unknownLease(id);
    this.leases.delete(id);
    this.scheduler.finished(record.slot);
    return record;
  }

  /** Gives a leased request back, ready again at `retryAt`; its delivery count is kept. */
  release(id: string, retryAt: number): void {
    const record = this.settle(id);
    this.push(record.request, record.deliveries, retryAt);
  }

  /** Returns leases expired at `now` (expiresAt < now) to the queue, retiring those at the limit. */
  expire(now: number): ExpireResult {
    const result: ExpireResult = { returned: 0, retired: [] };
    const heap = this.expiries;
    for (;;) {
      const time = heap.peekTime();
      if (time === undefined || time >= now) break;
      const record = heap.pop()!;
      if (this.leases.get(record.request.id) !== record) continue;
      this.leases.delete(record.request.id);
      this.scheduler.finished(record.slot);
      if (record.deliveries >= this.maxDeliveries) {
        this.retiredCount++;
        result.retired.push(record.request);
      } else {
        this.push(record.request, record.deliveries);
        result.returned++;
      }
    }
    return result;
  }

  /** Every open lease (for a store that persists or hands them back on close). */
  openLeases(): IterableIterator<LeaseRecord> {
    return this.leases.values();
  }

  /** Sets fields of one host's politeness; the rest follow the default. */
  setHostPolicy(host: string, policy: Partial<HostPolicy>): void {
    validateHostPolicy(policy);
    this.scheduler.setPolicy(host.toLowerCase(), policy);
  }

  /** Hosts with pending or leased requests, largest queue first, at most `limit`. */
  hostStats(limit = Number.POSITIVE_INFINITY): HostStats[] {
    const out: HostStats[] = [];
    for (const slot of this.scheduler.all()) {
      const pending = slot.work.size + slot.work.delayed;
      if (pending > 0 || slot.inFlight > 0) out.push({ host: slot.host, pending, leased: slot.inFlight });
    }
    out.sort((a, b) => b.pending - a.pending || b.leased - a.leased || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** True when nothing is pending and no lease is open. */
  isFinished(): boolean {
    return this.pendingCount === 0 && this.leases.size === 0;
  }

  /** Moves released requests whose retry time has come into their host queues. */
  private promoteDelayed(now: number): void {
    const heap = this.delayed;
    for (;;) {
      const time = heap.peekTime();
      if (time === undefined || time > now) return;
      const request = heap.pop()!;
      const slot = this.scheduler.slot(request.host);
      slot.work.delayed--;
      slot.work.push(request, request.priority, request.depth);
      this.scheduler.workAdded(slot);
    }
  }

  /** Drops the heap entries of settled leases (they pile up when leases end by commit). */
  private rebuildExpiries(): void {
    this.expiries.clear();
    for (const record of this.leases.values()) this.expiries.push(record.expiresAt, record);
  }

  private dropSettledExpiries(): void {
    const heap = this.expiries;
    for (let record = heap.peek(); record !== undefined && this.leases.get(record.request.id) !== record; record = heap.peek()) {
      heap.pop();
    }
  }
}

function unknownLease(id: string): StoreError {
  return new StoreError(ErrorCodes.STORE_UNKNOWN_LEASE, `no open lease for request ${id}`, { details: { id } });
}
