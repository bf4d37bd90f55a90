/**
 * The politeness clock: which hosts may start a request now, and when the next one may.
 *
 * Per host it keeps the in-flight count against the host's concurrency and the earliest next
 * start (last start + delay + a random jitter in [0, jitterMs)): the delay is start-to-start.
 * Hosts with work and a free slot sit either in the ready ring (may start now; served
 * round-robin so hosts take turns) or in a min-heap by ready time, so `nextReady` never scans
 * hosts that are waiting. Hosts at their concurrency limit or without work sit in neither and
 * are put back by `workAdded` / `finished` / `setPolicy`.
 *
 * Invariants: a slot is in at most one place (`place`); a heap entry is live only while
 * `slot.place === HEAP` and its time equals `slot.heapTime` (stale entries are skipped lazily);
 * the ring holds each slot at most once.
 */
import type { HostPolicy } from '../contracts.ts';
import { TimeHeap } from './time-heap.ts';

const NONE = 0;
const RING = 1;
const HEAP = 2;

/** Scheduling state of one host; `work` is the host's queue of ready requests. */
export class HostSlot<W extends { readonly size: number }> {
  concurrency: number;
  delayMs: number;
  jitterMs: number;
  /** Policy fields set for this host explicitly (the rest follow the default). */
  explicit: Partial<HostPolicy> = {};
  inFlight = 0;
  lastStart = Number.NEGATIVE_INFINITY;
  /** Earliest epoch ms at which the next request may start. */
  readyAt = 0;
  place = NONE;
  heapTime = 0;

  constructor(
    readonly host: string,
    readonly work: W,
    policy: HostPolicy,
  ) {
    this.concurrency = policy.concurrency;
    this.delayMs = policy.delayMs;
    this.jitterMs = policy.jitterMs ?? 0;
  }

  /** True when the host has work and a free concurrency slot (its delay aside). */
  get eligible(): boolean {
    return this.work.size > 0 && this.inFlight < this.concurrency;
  }
}

/** Options of a HostScheduler. */
export interface HostSchedulerOptions<W> {
  /** Politeness of every host without its own policy. */
  defaultPolicy: HostPolicy;
  /** Makes the empty work queue of a new host. */
  createWork: () => W;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Per-host politeness: concurrency, start-to-start delay with jitter, hosts taking turns. */
export class HostScheduler<W extends { readonly size: number }> {
  private readonly slots = new Map<string, HostSlot<W>>();
  private readonly waiting = new TimeHeap<HostSlot<W>>();
  private ring: HostSlot<W>[] = [];
  private ringHead = 0;
  private readonly defaultPolicy: HostPolicy;
  private readonly createWork: () => W;
  private readonly random: () => number;

  constructor(options: HostSchedulerOptions<W>) {
    this.defaultPolicy = { jitterMs: 0, ...options.defaultPolicy };
    this.createWork = options.createWork;
    this.random = options.random ?? Math.random;
  }

  /** The slot of `host`, created with the default policy on first use. */
  slot(host: string): HostSlot<W> {
    let slot = this.slots.get(host);
    if (slot === undefined) {
      slot = new HostSlot(host, this.createWork(), this.defaultPolicy);
      this.slots.set(host, slot);
    }
    return slot;
  }

  /** The slot of `host` if it exists. */
  find(host: string): HostSlot<W> | undefined {
    return this.slots.get(host);
  }

  /** Every known host slot. */
  all(): IterableIterator<HostSlot<W>> {
    return this.slots.values();
  }

  /** Call after adding work to `slot.work`: schedules the host if it was idle. */
  workAdded(slot: HostSlot<W>): void {
    if (slot.place === NONE && slot.eligible) this.toHeap(slot, slot.readyAt);
  }

  /**
   * The host whose turn it is to start a request at `now`, or undefined when none is ready.
   * The caller takes one request from `slot.work` and then calls `started` (or `skipped`).
   */
  nextReady(now: number): HostSlot<W> | undefined {
    this.promote(now);
    while (this.ringHead < this.ring.length) {
      const slot = this.ring[this.ringHead];
      this.ring[this.ringHead++] = undefined as unknown as HostSlot<W>;
      if (this.ringHead > 1024 && this.ringHead * 2 > this.ring.length) {
        this.ring = this.ring.slice(this.ringHead);
        this.ringHead = 0;
      }
      slot.place = NONE;
      if (!slot.eligible) continue;
      if (slot.readyAt > now) {
        // Its delay was raised while it sat in the ring.
        this.toHeap(slot, slot.readyAt);
        continue;
      }
      return slot;
    }
    return undefined;
  }

  /** Records that `slot` (returned by `nextReady`) started a request at `now`, and requeues it. */
  started(slot: HostSlot<W>, now: number): void {
    slot.inFlight++;
    slot.lastStart = now;
    slot.readyAt = now + this.delayOf(slot);
    if (!slot.eligible) return;
    if (slot.readyAt <= now) this.toRing(slot);
    else this.toHeap(slot, slot.readyAt);
  }

  /** Records that a request of `slot` ended (settled, released or expired): frees its slot. */
  finished(slot: HostSlot<W>): void {
    if (slot.inFlight > 0) slot.inFlight--;
    this.workAdded(slot);
  }

  /** Sets fields of one host's policy; unset fields keep following the default. */
  setPolicy(host: string, policy: Partial<HostPolicy>): void {
    const slot = this.slot(host);
    for (const key of ['concurrency', 'delayMs', 'jitterMs'] as const) {
      if (policy[key] !== undefined) slot.explicit[key] = policy[key];
    }
    const merged = { ...this.defaultPolicy, ...slot.explicit };
    slot.concurrency = merged.concurrency;
    slot.delayMs = merged.delayMs;
    slot.jitterMs = merged.jitterMs ?? 0;
    // The new delay counts from the last start; a pending jitter draw is dropped.
    if (slot.lastStart !== Number.NEGATIVE_INFINITY) slot.readyAt = slot.lastStart + slot.delayMs;
    if (slot.place === HEAP && slot.heapTime !== slot.readyAt) {
      slot.place = NONE;
      this.workAdded(slot);
    } else if (slot.place === NONE) {
      this.workAdded(slot);
    }
  }

  /** Epoch ms at which the next waiting host becomes ready, or undefined when none waits. */
  wakeAt(): number | undefined {
    this.dropStale();
    return this.waiting.peekTime();
  }

  /** True when some host may start a request at once. */
  hasReady(now: number): boolean {
    this.promote(now);
    for (let i = this.ringHead; i < this.ring.length; i++) {
      const slot = this.ring[i];
      if (slot.eligible && slot.readyAt <= now) return true;
    }
    return false;
  }

  /** Number of hosts known. */
  get size(): number {
    return this.slots.size;
  }

  private delayOf(slot: HostSlot<W>): number {
    return slot.jitterMs > 0 ? slot.delayMs + Math.floor(this.random() * slot.jitterMs) : slot.delayMs;
  }

  private toRing(slot: HostSlot<W>): void {
    slot.place = RING;
    this.ring.push(slot);
  }

  private toHeap(slot: HostSlot<W>, time: number): void {
    slot.place = HEAP;
    slot.heapTime = time;
    this.waiting.push(time, slot);
  }

  /** Moves hosts whose ready time has come from the heap to the ring's tail. */
  private promote(now: number): void {
    const heap = this.waiting;
    for (;;) {
      const time = heap.peekTime();
      if (time === undefined || time > now) return;
      const slot = heap.pop()!;
      if (slot.place !== HEAP || slot.heapTime !== time) continue;
      slot.place = NONE;
      if (slot.eligible) this.toRing(slot);
    }
  }

  private dropStale(): void {
    const heap = this.waiting;
    for (;;) {
      const slot = heap.peek();
      if (slot === undefined) return;
      const time = heap.peekTime()!;
      if (slot.place === HEAP && slot.heapTime === time && slot.eligible) return;
      heap.pop();
      if (slot.place === HEAP && slot.heapTime === time) slot.place = NONE;
    }
  }
}
