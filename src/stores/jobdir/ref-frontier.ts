/**
 * The job directory's frontier in memory: per-host queues of refs (file offsets of queued
 * entries), the shared politeness clock, open leases, retry delays and delivery counts.
 *
 * It mirrors the memory frontier's rules (same HostScheduler, same order, same retirement)
 * but holds refs instead of request objects, so a resumed crawl with millions of pending
 * requests costs about 8 bytes per request here. Only open leases hold request objects.
 * It writes nothing: the store logs every change before applying it here.
 *
 * Invariants: `pending` = Σ queue sizes + delayed; a ref is queued, delayed or leased, never
 * two at once; a slot's `inFlight` equals its open leases; `liveBytes` is the sum of entry
 * lengths of every pending or leased ref.
 */
import type { HostPolicy, HostStats, QueuedRequest } from '../../contracts.ts';
import { HostScheduler, type HostSlot } from '../../frontier/host-scheduler.ts';
import { TimeHeap } from '../../frontier/time-heap.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { RefQueue } from './ref-queue.ts';
import type { LeaseState } from './replay.ts';

/** An open lease. */
export interface RefLease {
  ref: number;
  length: number;
  request: QueuedRequest;
  deliveries: number;
  expiresAt: number;
  slot: HostSlot<RefQueue>;
}

/** A request waiting for its retry time. */
interface Delayed {
  ref: number;
  length: number;
  priority: number;
  depth: number;
  slot: HostSlot<RefQueue>;
}

/** Ref-based per-host queues, politeness and leases. */
export class RefFrontier {
  readonly scheduler: HostScheduler<RefQueue>;
  readonly leases = new Map<string, RefLease>();
  private readonly expiries = new TimeHeap<RefLease>();
  private delayed = new TimeHeap<Delayed>();
  /** Deliveries so far of pending refs that were leased before. */
  readonly prior = new Map<number, number>();
  /** Entry length of every ref queued in a bucket whose length is not otherwise known. */
  private pendingCount = 0;
  liveBytes = 0;

  constructor(defaultPolicy: HostPolicy, random?: () => number) {
    this.scheduler = new HostScheduler<RefQueue>({ defaultPolicy, createWork: () => new RefQueue(), random });
  }

  /** Pending requests, including those waiting for a retry time. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Queues `ref` (an entry of `length` bytes) of `host`; `readyAt` holds it back. */
  push(host: string, ref: number, length: number, priority: number, depth: number, deliveries = 0, readyAt?: number): void {
    this.pushTo(this.scheduler.slot(host), ref, length, priority, depth, deliveries, readyAt);
  }

  /** {@link push} with the host's slot already looked up (bulk loading). */
  pushTo(slot: HostSlot<RefQueue>, ref: number, length: number, priority: number, depth: number, deliveries = 0, readyAt?: number): void {
    if (deliveries > 0) this.prior.set(ref, deliveries);
    this.pendingCount++;
    this.liveBytes += length;
    if (readyAt !== undefined && Number.isFinite(readyAt)) {
      slot.work.delayed++;
      this.delayed.push(readyAt, { ref, length, priority, depth, slot });
      return;
    }
    slot.work.push(ref, priority, depth);
    this.scheduler.workAdded(slot);
  }

  /**
   * Takes up to `max` refs of hosts ready at `now`, hosts taking turns; `load` turns a ref into
   * its request and entry length. The caller logs the lease, then calls `confirm` per lease.
   */
  take(max: number, now: number): { ref: number; slot: HostSlot<RefQueue>; deliveries: number }[] {
    this.promoteDelayed(now);
    const out: { ref: number; slot: HostSlot<RefQueue>; deliveries: number }[] = [];
    const scheduler = this.scheduler;
    while (out.length < max) {
      const slot = scheduler.nextReady(now);
      if (slot === undefined) break;
      const ref = slot.work.pop();
      scheduler.started(slot, now);
      this.pendingCount--;
      let deliveries = 1;
      if (this.prior.size > 0) {
        const before = this.prior.get(ref);
        if (before !== undefined) {
          deliveries = before + 1;
          this.prior.delete(ref);
        }
      }
      out.push({ ref, slot, deliveries });
    }
    return out;
  }

  /**
   * Puts back a ref taken by `take` whose lease could not be read or logged. Without its
   * priority and depth (the entry was unreadable) it goes to the front bucket.
   */
  untakeRef(ref: number, slot: HostSlot<RefQueue>, deliveries: number, priority = Number.POSITIVE_INFINITY, depth = 0): void {
    this.scheduler.finished(slot);
    this.pendingCount++;
    if (deliveries > 1) this.prior.set(ref, deliveries - 1);
    slot.work.push(ref, priority, depth);
    this.scheduler.workAdded(slot);
  }

  /** Records an open lease taken by `take`. */
  open(lease: RefLease): void {
    this.leases.set(lease.request.id, lease);
    this.expiries.push(lease.expiresAt, lease);
  }

  /** Ends the lease (settled): frees its host slot; its bytes stop being live. */
  settle(lease: RefLease): void {
    this.leases.delete(lease.request.id);
    this.scheduler.finished(lease.slot);
    this.liveBytes -= lease.length;
  }

  /** Gives the lease back to the queue, ready at `retryAt`. */
  release(lease: RefLease, retryAt: number): void {
    this.settle(lease);
    const r = lease.request;
    this.push(r.host, lease.ref, lease.length, r.priority, r.depth, lease.deliveries, retryAt);
  }

  /** Leases expired at `now` (expiresAt < now), oldest first, still open. */
  expired(now: number): RefLease[] {
    const out: RefLease[] = [];
    const heap = this.expiries;
    for (;;) {
      const time = heap.peekTime();
      if (time === undefined || time >= now) break;
      const lease = heap.pop()!;
      if (this.leases.get(lease.request.id) === lease) out.push(lease);
    }
    return out;
  }

  /** When `lease` could next return something (see MemoryFrontier.wakeAt). */
  wakeAt(now: number): number | null {
    if (this.pendingCount === 0) return null;
    if (this.scheduler.hasReady(now)) return now;
    const host = this.scheduler.wakeAt();
    const retry = this.delayed.peekTime();
    if (host !== undefined || retry !== undefined) return Math.min(host ?? Number.POSITIVE_INFINITY, retry ?? Number.POSITIVE_INFINITY);
    for (let l = this.expiries.peek(); l !== undefined && this.leases.get(l.request.id) !== l; l = this.expiries.peek()) {
      this.expiries.pop();
    }
    return this.expiries.peekTime() ?? null;
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

  /** Calls `fn` for every delayed request (compaction). */
  forEachDelayed(fn: (ref: number, readyAt: number) => void): void {
    const kept: [number, Delayed][] = [];
    while (this.delayed.size > 0) {
      const time = this.delayed.peekTime()!;
      kept.push([time, this.delayed.pop()!]);
    }
    for (const [time, d] of kept) {
      fn(d.ref, time);
      this.delayed.push(time, d);
    }
  }

  /**
   * Every live ref (queued, delayed or leased), ascending, and the lease state of those that
   * have one: what compaction must copy.
   */
  liveRefs(): { live: Float64Array; states: Map<number, LeaseState> } {
    const states = new Map<number, LeaseState>();
    const list: number[] = [];
    for (const slot of this.scheduler.all()) {
      slot.work.forEach((ref) => {
        list.push(ref);
      });
    }
    this.forEachDelayed((ref, readyAt) => {
      list.push(ref);
      states.set(ref, { deliveries: this.prior.get(ref) ?? 0, readyAt, leased: false });
    });
    for (const [ref, n] of this.prior) if (!states.has(ref)) states.set(ref, { deliveries: n, readyAt: Number.NaN, leased: false });
    for (const l of this.leases.values()) {
      list.push(l.ref);
      states.set(l.ref, { deliveries: l.deliveries, readyAt: Number.NaN, leased: true });
    }
    return { live: Float64Array.from(list).sort(), states };
  }

  /** Renumbers every ref after compaction: `live[i]` (ascending) became `refs[i]`. */
  remapSorted(live: Float64Array, refs: Float64Array): void {
    this.remap((ref) => {
      let lo = 0;
      let hi = live.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (live[mid] < ref) lo = mid + 1;
        else if (live[mid] > ref) hi = mid - 1;
        else return refs[mid];
      }
      throw new StoreError(ErrorCodes.STORE_CORRUPT, `compaction lost track of entry ${ref}`);
    });
  }

  /** Rewrites every ref through `map` after compaction. */
  remap(map: (ref: number) => number): void {
    for (const slot of this.scheduler.all()) slot.work.remap(map);
    for (const lease of this.leases.values()) lease.ref = map(lease.ref);
    const delayed = new TimeHeap<Delayed>();
    while (this.delayed.size > 0) {
      const time = this.delayed.peekTime()!;
      const d = this.delayed.pop()!;
      d.ref = map(d.ref);
      delayed.push(time, d);
    }
    this.delayed = delayed;
    const prior = [...this.prior];
    this.prior.clear();
    for (const [ref, n] of prior) this.prior.set(map(ref), n);
  }

  /** Moves delayed requests whose time has come into their host queues. */
  private promoteDelayed(now: number): void {
    const heap = this.delayed;
    for (;;) {
      const time = heap.peekTime();
      if (time === undefined || time > now) return;
      const d = heap.pop()!;
      d.slot.work.delayed--;
      d.slot.work.push(d.ref, d.priority, d.depth);
      this.scheduler.workAdded(d.slot);
    }
  }
}
