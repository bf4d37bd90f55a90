/**
 * The seen set's tables: 256 slabs, each one open-addressing table of 80-bit keys with linear
 * probing in key order, stored in segments of a {@link SegmentHeap}.
 *
 * A key's home slot is its (shard-in-slab, high word) scaled to its slab's table; keys are SHA-1
 * output, so homes are uniform. Keeping each slab sorted makes a lookup stop at the first larger
 * key (one cache line, rarely two) and lets growth and bulk loading lay a slab out in one pass.
 *
 * Invariants:
 * - within a slab, used slots hold strictly increasing keys ordered by (shard, high word, low
 *   word), each at or after its home slot with no empty slot between home and key; the layout is
 *   thus a function of the key set;
 * - `bound[s]` is the slot of the first key of shard ≥ s in its slab, or the slab's end: the 8
 *   shard bits inside a slab are not stored, the bounds tell the shards apart;
 * - an empty slot is two zero words; the one key whose stored words are both zero is kept apart
 *   in `zeroKeys`;
 * - a key's slot never moves left when its slab grows (see slab-geometry.ts), so growth
 *   rebuilds the slab in place;
 * - `heap` is the heap's current view, taken again after every allocation.
 */
import * as fingerprintKey from './fingerprint-key.ts';
import * as segmentHeap from './segment-heap.ts';
import * as slabGeometry from './slab-geometry.ts';

// Module constants, not imported (or exported) bindings, in the hot loops: V8 folds a module's
// own constants into optimized code but reloads a module binding at every use (25% slower
// probe loops).
const { SEG_SHIFT, SEG_SLOTS, SEG_MASK, SEG_WORDS } = segmentHeap;
const { SHARDS, SUB_BITS, SUBS, SUB_MASK, SLABS, TWO_32, TAIL, MIN_CAP, MAX_LOAD, GROWTH } = slabGeometry;
const MIN = fingerprintKey.HIGH_BIAS;

/** The slabs of one seen set; keys are given as (shard, biased high word, low word). */
export class SlabTables {
  /** The heap's current view (see {@link SegmentHeap.view}). */
  heap = new Int32Array(0);
  /** Per slab: word offset in `heap` of each of its segments of [low, biased high] pairs. */
  readonly segs: number[][] = [];
  /** Per slab: slots held by its segments (the table's end). */
  readonly ends = new Int32Array(SLABS);
  /** Per slab: nominal capacity (slots that can be a home). */
  readonly caps = new Int32Array(SLABS);
  /** Per slab: home slot = floor((shard-in-slab · 2^32 + unsigned high) · scale). */
  readonly scale = new Float64Array(SLABS);
  /** Per slab: keys held, and how many it may hold before it grows. */
  readonly live = new Int32Array(SLABS);
  readonly maxLive = new Int32Array(SLABS);
  /** Per shard: slot of the first key of this or a later shard of its slab, or the slab's end. */
  readonly bound = new Int32Array(SHARDS);
  /** Shards holding the key whose stored words are both zero (the empty-slot pattern). */
  readonly zeroKeys = new Set<number>();
  /** Number of distinct keys. */
  count = 0;
  /** Scratch: keys per shard of the slab being laid out, and the slot of each shard's first. */
  readonly perSub = new Int32Array(SUBS);
  readonly firstAt = new Int32Array(SUBS);
  /** Scratch: new slot of each key while a slab is laid out. */
  private positions = new Int32Array(0);
  private readonly store = new segmentHeap.SegmentHeap();

  constructor() {
    for (let i = 0; i < SLABS; i++) this.segs.push([]);
  }

  /** True when the key is present. */
  has(shard: number, high: number, low: number): boolean {
    if (high === 0 && low === 0) return this.zeroKeys.has(shard);
    return this.find(shard, high, low) >= 0;
  }

  /** Test-and-set of one key; true when it was new. */
  insert(shard: number, high: number, low: number): boolean {
    if (high === 0 && low === 0) {
      if (this.zeroKeys.has(shard)) return false;
      this.zeroKeys.add(shard);
      this.count++;
      return true;
    }
    const slab = shard >>> SUB_BITS;
    for (;;) {
      const found = this.find(shard, high, low);
      if (found >= 0) return false;
      const q = ~found;
      const segs = this.segs[slab];
      const end = this.ends[slab];
      const heap = this.heap;
      let e = q;
      if (this.live[slab] < this.maxLive[slab]) {
        while (e < end) {
          const seg = this.heap;
          const o = segs[e >>> SEG_SHIFT] + ((e & SEG_MASK) << 1);
          if ((seg[o] | seg[o + 1]) === 0) break;
          e++;
        }
      } else e = end;
      if (e >= end) {
        this.grow(slab);
        continue;
      }
      // Shift [q, e) one slot right, then write the key at q.
      let j = segs[e >>> SEG_SHIFT] + ((e & SEG_MASK) << 1);
      for (let p = e - 1; p >= q; p--) {
        const i = segs[p >>> SEG_SHIFT] + ((p & SEG_MASK) << 1);
        heap[j] = heap[i];
        heap[j + 1] = heap[i + 1];
        j = i;
      }
      heap[j] = low;
      heap[j + 1] = high;
      // Bounds of later shards inside the shifted stretch move with it; this and earlier
      // (empty) shards now start no later than the new key.
      const last = (slab << SUB_BITS) | SUB_MASK;
      for (let t = shard + 1; t <= last && this.bound[t] < e; t++) this.bound[t]++;
      const firstShard = slab << SUB_BITS;
      for (let t = shard; t >= firstShard && this.bound[t] > q; t--) this.bound[t] = q;
      this.live[slab]++;
      this.count++;
      return true;
    }
  }

  /** Removes a key; true when it was present. */
  remove(shard: number, high: number, low: number): boolean {
    if (high === 0 && low === 0) {
      if (!this.zeroKeys.delete(shard)) return false;
      this.count--;
      return true;
    }
    const p = this.find(shard, high, low);
    if (p < 0) return false;
    this.removeAt(shard, p);
    return true;
  }

  /** Calls `fn` for every key, in ascending key order, with `high` and `low` unsigned and unbiased. */
  forEachKey(fn: (shard: number, high: number, low: number) => void): void {
    for (let slab = 0; slab < SLABS; slab++) {
      const segs = this.segs[slab];
      const end = this.ends[slab];
      for (let sub = 0; sub < SUBS; sub++) {
        const shard = (slab << SUB_BITS) | sub;
        // The key stored as two zero words sorts between biased high words -1 and 1.
        let zero = this.zeroKeys.has(shard);
        const stop = sub === SUB_MASK ? end : this.bound[shard + 1];
        for (let p = this.bound[shard]; p < stop; p++) {
          const seg = this.heap;
          const o = segs[p >>> SEG_SHIFT] + ((p & SEG_MASK) << 1);
          const l = seg[o];
          const h = seg[o + 1];
          if (h === 0 && l === 0) continue;
          if (zero && h >= 0) {
            fn(shard, MIN >>> 0, 0);
            zero = false;
          }
          fn(shard, (h ^ MIN) >>> 0, l >>> 0);
        }
        if (zero) fn(shard, MIN >>> 0, 0);
      }
    }
  }

  /** Bytes held: slab segments (including their free slots) plus the fixed and scratch tables. */
  bytesUsed(): number {
    let bytes = this.bound.byteLength + this.positions.byteLength + 6 * this.scale.byteLength;
    bytes += 16 * this.zeroKeys.size;
    // Slots past a slab's capacity and tail are never written, so their pages stay uncommitted.
    for (let slab = 0; slab < SLABS; slab++) if (this.ends[slab] > 0) bytes += Math.min(this.ends[slab], this.caps[slab] + TAIL) * 8;
    return bytes;
  }

  /**
   * Moves a slab's keys, in order, to its first slots (each moves left, so a forward pass is
   * safe) and counts them per shard into `perSub`. Returns how many there are.
   */
  compact(slab: number): number {
    const segs = this.segs[slab];
    const end = this.ends[slab];
    const first = slab << SUB_BITS;
    this.perSub.fill(0);
    let sub = 0;
    let n = 0;
    for (let p = 0; p < end; p++) {
      const seg = this.heap;
      const o = segs[p >>> SEG_SHIFT] + ((p & SEG_MASK) << 1);
      const l = seg[o];
      const h = seg[o + 1];
      if (h === 0 && l === 0) continue;
      while (sub < SUB_MASK && this.bound[first + sub + 1] <= p) sub++;
      this.perSub[sub]++;
      const j = segs[n >>> SEG_SHIFT] + ((n & SEG_MASK) << 1);
      seg[j] = l;
      seg[j + 1] = h;
      n++;
    }
    return n;
  }

  /**
   * Appends zeroed segments to a slab until it holds at least `slots` slots. Segments are never
   * reallocated or freed while the set lives, so growth leaves no old copy behind for the
   * allocator to fragment, and every segment has the same size.
   */
  ensureSlots(slab: number, slots: number): void {
    const segs = this.segs[slab];
    const need = Math.ceil(slots / SEG_SLOTS) - segs.length;
    if (need <= 0) return;
    this.heap = this.store.allocate(segs, need);
    this.ends[slab] = segs.length * SEG_SLOTS;
  }

  /** Records a slab's new capacity and key count, and its shard bounds from `firstAt`. */
  finishLayout(slab: number, n: number, cap: number, scale: number): void {
    const first = slab << SUB_BITS;
    let next = this.ends[slab];
    for (let t = SUB_MASK; t >= 0; t--) {
      if (this.firstAt[t] >= 0) next = this.firstAt[t];
      this.bound[first + t] = next;
    }
    this.caps[slab] = cap;
    this.scale[slab] = scale;
    this.live[slab] = n;
    this.maxLive[slab] = Math.floor(cap * MAX_LOAD);
  }

  /** Slot of the key, or ~(slot where it belongs) when absent. `high` is biased. */
  private find(shard: number, high: number, low: number): number {
    const slab = shard >>> SUB_BITS;
    const segs = this.segs[slab];
    const end = this.ends[slab];
    const sub = shard & SUB_MASK;
    let q = Math.floor((sub * TWO_32 + high + 2147483648) * this.scale[slab]);
    if (q >= end) return ~end;
    const b0 = this.bound[shard];
    const b1 = sub === SUB_MASK ? end : this.bound[shard + 1];
    const heap = this.heap;
    let o = segs[q >>> SEG_SHIFT] + ((q & SEG_MASK) << 1);
    for (;;) {
      const h = heap[o + 1];
      const l = heap[o];
      if (h === 0 && l === 0) return ~q;
      if (q >= b0) {
        if (q >= b1 || h > high) return ~q;
        if (h === high) {
          if (l === low) return q;
          if ((l ^ MIN) > (low ^ MIN)) return ~q;
        }
      } // else: a key of an earlier shard, displaced past our home
      q++;
      if (q >= end) return ~end;
      o = (q & SEG_MASK) === 0 ? segs[q >>> SEG_SHIFT] : o + 2;
    }
  }

  /** Removes the key at slot `p` of `shard`'s slab, shifting displaced followers back. */
  private removeAt(shard: number, p: number): void {
    const slab = shard >>> SUB_BITS;
    const segs = this.segs[slab];
    const end = this.ends[slab];
    const first = slab << SUB_BITS;
    const scale = this.scale[slab];
    let sub = shard & SUB_MASK;
    let q = p;
    for (let r = p + 1; r < end; r++) {
      const seg = this.heap;
      const o = segs[r >>> SEG_SHIFT] + ((r & SEG_MASK) << 1);
      const h = seg[o + 1];
      if (h === 0 && seg[o] === 0) break;
      while (sub < SUB_MASK && this.bound[first + sub + 1] <= r) sub++;
      if (Math.floor((sub * TWO_32 + h + 2147483648) * scale) > q) break; // at its home already
      this.copySlot(slab, r, q);
      q = r;
    }
    const seg = this.heap;
    const at0 = segs[q >>> SEG_SHIFT] + ((q & SEG_MASK) << 1);
    seg[at0] = 0;
    seg[at0 + 1] = 0;
    const last = first | SUB_MASK;
    for (let t = shard + 1; t <= last && this.bound[t] <= q; t++) if (this.bound[t] > p) this.bound[t]--;
    if (this.bound[shard] === p && q === p) {
      let next = p + 1;
      while (next < end && this.isEmpty(slab, next)) next++;
      for (let t = shard; t >= first && this.bound[t] === p; t--) this.bound[t] = next;
    }
    this.live[slab]--;
    this.count--;
  }

  /** Copies slot `from` of a slab to slot `to`. */
  private copySlot(slab: number, from: number, to: number): void {
    const segs = this.segs[slab];
    const heap = this.heap;
    const i = segs[from >>> SEG_SHIFT] + ((from & SEG_MASK) << 1);
    const j = segs[to >>> SEG_SHIFT] + ((to & SEG_MASK) << 1);
    heap[j] = heap[i];
    heap[j + 1] = heap[i + 1];
  }

  private isEmpty(slab: number, p: number): boolean {
    const seg = this.heap;
    const o = this.segs[slab][p >>> SEG_SHIFT] + ((p & SEG_MASK) << 1);
    return seg[o] === 0 && seg[o + 1] === 0;
  }

  /** Grows a full slab by {@link GROWTH} and lays it out again, in place. */
  private grow(slab: number): void {
    const cap = Math.max(Math.ceil(this.caps[slab] * GROWTH), Math.ceil((this.live[slab] + 1) / MAX_LOAD), MIN_CAP);
    this.relayout(slab, this.live[slab], cap);
  }

  /**
   * Lays a slab's `n` keys out again for a nominal capacity of at least `cap` slots (more if
   * the last keys would overflow the tail): each goes to max(its home, the slot after the
   * previous key). Since a key's new slot is never before its old one (homes only move
   * right as the capacity grows), one forward pass computes the new slots and one backward
   * pass moves the keys, in place.
   */
  private relayout(slab: number, n: number, cap: number): void {
    if (this.positions.length < n) this.positions = new Int32Array(Math.ceil(n * 1.25) + 64);
    const pos = this.positions;
    const firstAt = this.firstAt;
    const segs = this.segs[slab];
    const first = slab << SUB_BITS;
    const oldEnd = this.ends[slab];
    let scale = 0;
    for (;;) {
      this.ensureSlots(slab, cap + TAIL);
      const heap = this.heap;
      scale = cap / (SUBS * TWO_32);
      firstAt.fill(-1);
      let sub = 0;
      let nextBound = this.bound[first + 1];
      // Home of a key of shard `sub` with biased high word h: floor((h + offset) · scale).
      let offset = 0;
      let lastSub = -1;
      let prev = -1;
      let i = 0;
      for (let k = 0; i < n && k * SEG_SLOTS < oldEnd; k++) {
        const base = segs[k];
        for (let o = 0, p = k * SEG_SLOTS; o < SEG_WORDS; o += 2, p++) {
          const h = heap[base + o + 1];
          if (h === 0 && heap[base + o] === 0) continue;
          while (p >= nextBound) {
            sub++;
            nextBound = sub < SUB_MASK ? this.bound[first + sub + 1] : 2147483647;
          }
          const opens = sub !== lastSub;
          if (opens) {
            lastSub = sub;
            offset = sub * TWO_32 + 2147483648;
          }
          const home = Math.floor((h + offset) * scale);
          prev = home > prev ? home : prev + 1;
          if (opens) firstAt[sub] = prev;
          pos[i++] = prev;
          if (i === n) break;
        }
      }
      if (prev < this.ends[slab]) break;
      cap = Math.ceil(cap * GROWTH);
    }
    const heap = this.heap;
    let i = n - 1;
    for (let k = (oldEnd >>> SEG_SHIFT) - 1; i >= 0; k--) {
      const base = segs[k];
      for (let o = SEG_WORDS - 2, p = k * SEG_SLOTS + SEG_SLOTS - 1; o >= 0 && i >= 0; o -= 2, p--) {
        const l = heap[base + o];
        const h = heap[base + o + 1];
        if (h === 0 && l === 0) continue;
        const to = pos[i--];
        if (to === p) continue;
        const j = segs[to >>> SEG_SHIFT] + ((to & SEG_MASK) << 1);
        heap[j] = l;
        heap[j + 1] = h;
        heap[base + o] = 0;
        heap[base + o + 1] = 0;
      }
    }
    this.finishLayout(slab, n, cap, scale);
  }
}
