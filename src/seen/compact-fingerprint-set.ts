/**
 * An exact, compact, in-memory set of request fingerprints.
 *
 * Each 20-byte fingerprint is reduced to an 80-bit key: its first 16 bits name one of 65,536
 * shards, its next 64 bits are stored, as two 32-bit words. The shards are grouped 256 to a
 * slab; a slab (256 in all) is one open-addressing table with linear probing in key order: a
 * key's home slot is its (shard, high word) scaled to the table (keys are SHA-1 output, so
 * uniform), and the keys of a slab are kept sorted, each at or after its home with no empty
 * slot in between. A lookup therefore reads one cache line (rarely two), and since `addMany`
 * reads the home slots of a whole batch before deciding any of them, their cache misses
 * overlap. The 8 shard bits inside a slab are not stored: the table is sorted by shard first,
 * so `bound[s]` (the slot of the first key of shard ≥ s) tells them apart.
 *
 * A slab grows by 40% when more than 85% of its slots are used, so its load stays between
 * 61% and 85%: 9.4 to 13.2 bytes per key. Growth rebuilds the slab in place (new slots are
 * never before old ones). Slabs are lists of equal 16 KiB segments carved from one
 * WebAssembly linear memory used as a growable heap: it grows in place, commits pages only
 * when written, and segments are never moved or freed, so nothing is left for the allocator to
 * fragment; views of it are plain typed arrays (views of resizable ArrayBuffers are about three
 * times slower to index in Node 20). The linear memory caps the set at 4 GiB.
 *
 * Invariants:
 * - within a slab, used slots hold strictly increasing keys ordered by (shard, high word, low
 *   word), each at or after its home slot with no empty slot between home and key; the layout is
 *   thus a function of the key set (growth and bulk loading rebuild it in one pass);
 * - `bound[s]` is the slot of the first key of shard ≥ s in its slab, or the slab's end;
 * - an empty slot is two zero words; the one key whose stored words are both zero is kept apart
 *   in `zeroKeys`;
 * - nothing is ever evicted: the set answers "seen" only for keys that were added (exact up to
 *   80-bit key collisions: at 100 million fingerprints the chance that any two distinct ones
 *   share a key is about n²/2^81 ≈ 4e-9);
 * - no V8 collection holds keys, so the set grows past the ~16.7 million entry limit of one
 *   `Set` or `Map`, from empty, without a size hint.
 *
 * Stored words are [low, high ^ 0x80000000] as signed 32-bit integers (small integers for V8,
 * and signed order of the biased high word is unsigned order of the key's); on little-endian
 * machines a slab viewed as a `BigInt64Array` therefore sorts in key order natively.
 */
import { endianness } from 'node:os';
import { ErrorCodes, StoreError } from '../errors.ts';

/** Number of leading fingerprint bits that choose the shard. */
export const SHARD_BITS = 16;
/** Total fingerprint bits kept per key (shard bits + 64 stored bits). */
export const KEPT_BITS = SHARD_BITS + 64;
/** Bytes of a fingerprint that make up the kept key. */
export const KEY_BYTES = KEPT_BITS / 8;
/** Bytes of a full fingerprint (SHA-1). */
export const FINGERPRINT_BYTES = 20;

const SHARDS = 1 << SHARD_BITS;
const SUB_BITS = 8;
const SUBS = 1 << SUB_BITS;
const SUB_MASK = SUBS - 1;
const SLABS = SHARDS >>> SUB_BITS;
const TWO_32 = 4294967296;
/** Bias between a high word and its stored form (also the sign bit). */
const MIN = 0x80000000 | 0;
/** Slots past the table's nominal capacity, for keys displaced beyond its last home slot. */
const TAIL = 256;
const MIN_CAP = 64;
/** A slab grows when more than this share of its nominal slots is used... */
const MAX_LOAD = 0.85;
/** ...by this factor (load right after: 0.85 / 1.4 ≈ 0.61). */
const GROWTH = 1.4;
/** Load right after a bulk load. */
const BULK_LOAD = 0.7;
/** Slots per segment: a slab is a list of equal 16 KiB segments, never moved or freed. */
const SEG_SHIFT = 11;
const SEG_SLOTS = 1 << SEG_SHIFT;
const SEG_MASK = SEG_SLOTS - 1;
const SEG_WORDS = SEG_SLOTS * 2;
/** The segments live in one WebAssembly linear memory: it grows in place, up to 4 GiB. */
const WASM_PAGE = 65536;
const WASM_MAX_PAGES = 65536;

/** The part of `WebAssembly.Memory` used here (the project's libs do not declare WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WasmMemoryClass = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory } })
  .WebAssembly.Memory;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Throws StoreError SF_FINGERPRINT_INVALID unless `fp` is a 20-byte Uint8Array. */
export function checkFingerprint(fp: Uint8Array): void {
  if (!(fp instanceof Uint8Array) || fp.length !== FINGERPRINT_BYTES) {
    throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, `fingerprint must be a Uint8Array of 20 bytes (got ${describe(fp)})`);
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}

/** Big-endian 32-bit word at `offset`, as a signed integer. */
function word(b: Uint8Array, offset: number): number {
  return (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];
}

/** Keeps the prefetching loads of `addMany` from being optimized away. */
const prefetchSink = new Float64Array(1);

/** An exact set of 80-bit fingerprint keys. */
export class CompactFingerprintSet {
  /** Linear memory holding every segment (created on the first key), and a view of it. */
  private memory: WasmMemory | null = null;
  private heap = new Int32Array(0);
  /** Words of `heap` handed out to segments so far. */
  private top = 0;
  /** Per slab: word offset in `heap` of each of its segments of [low, biased high] pairs. */
  private readonly segs: number[][] = [];
  /** Per slab: slots held by its segments (the table's end). */
  private readonly ends = new Int32Array(SLABS);
  /** Per slab: nominal capacity (slots that can be a home). */
  private readonly caps = new Int32Array(SLABS);
  /** Per slab: home slot = floor((shard-in-slab · 2^32 + unsigned high) · scale). */
  private readonly scale = new Float64Array(SLABS);
  /** Per slab: keys held, and how many it may hold before it grows. */
  private readonly live = new Int32Array(SLABS);
  private readonly maxLive = new Int32Array(SLABS);
  /** Per shard: slot of the first key of this or a later shard of its slab, or the slab's end. */
  private readonly bound = new Int32Array(SHARDS);
  /** Shards holding the key whose stored words are both zero (the empty-slot pattern). */
  private readonly zeroKeys = new Set<number>();
  private count = 0;
  /** Scratch: new slot of each key while a slab is laid out; keys per shard of that slab. */
  private positions = new Int32Array(0);
  private readonly perSub = new Int32Array(SUBS);
  private readonly firstAt = new Int32Array(SUBS);
  /** Scratch of `addMany`: each input's shard and stored words. */
  private batchShard = new Int32Array(0);
  private batchHigh = new Int32Array(0);
  private batchLow = new Int32Array(0);
  private batchAddr = new Int32Array(0);

  constructor() {
    for (let i = 0; i < SLABS; i++) this.segs.push([]);
  }

  /** Number of distinct kept keys. */
  get size(): number {
    return this.count;
  }

  /** Adds one fingerprint; true when its key was not present before. */
  add(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    return this.insert((fp[0] << 8) | fp[1], word(fp, 2) ^ MIN, word(fp, 6));
  }

  /** True when the fingerprint's key is present. */
  has(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    const shard = (fp[0] << 8) | fp[1];
    const high = word(fp, 2) ^ MIN;
    const low = word(fp, 6);
    if (high === 0 && low === 0) return this.zeroKeys.has(shard);
    return this.find(shard, high, low) >= 0;
  }

  /**
   * Adds a batch; one boolean per input, true where that fingerprint was new (a fingerprint
   * repeated inside the batch is new only at its first position). All inputs are validated
   * before any is added, so a bad fingerprint leaves the set unchanged.
   */
  addMany(fps: readonly Uint8Array[]): boolean[] {
    const n = fps.length;
    for (let i = 0; i < n; i++) checkFingerprint(fps[i]);
    if (this.batchShard.length < n) {
      this.batchShard = new Int32Array(n);
      this.batchHigh = new Int32Array(n);
      this.batchLow = new Int32Array(n);
      this.batchAddr = new Int32Array(n);
    }
    const shards = this.batchShard;
    const highs = this.batchHigh;
    const lows = this.batchLow;
    // Pass 1: decode every key and find the heap word of its home slot. Pass 2: read those
    // words and the shard bounds, nothing else. Those loads do not depend on each other, and
    // the loop is short enough that the processor keeps many of their cache misses in flight
    // instead of waiting for each in turn; pass 3 then finds its lines in cache.
    const addrs = this.batchAddr;
    for (let i = 0; i < n; i++) {
      const fp = fps[i];
      const shard = (fp[0] << 8) | fp[1];
      const high = word(fp, 2) ^ MIN;
      shards[i] = shard;
      highs[i] = high;
      lows[i] = word(fp, 6);
      const slab = shard >>> SUB_BITS;
      const home = Math.floor(((shard & SUB_MASK) * TWO_32 + high + 2147483648) * this.scale[slab]);
      addrs[i] = home < this.ends[slab] ? this.segs[slab][home >>> SEG_SHIFT] + ((home & SEG_MASK) << 1) : 0;
    }
    const heap = this.heap;
    const bound = this.bound;
    let sink = 0;
    // The next cache line too (16 words on): probes and insertions often run into it.
    for (let i = 0; i < n; i++) sink += heap[addrs[i]] + heap[addrs[i] + 16] + bound[shards[i]];
    prefetchSink[0] = sink;
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = this.insert(shards[i], highs[i], lows[i]);
    return out;
  }

  /**
   * Adds a key given as its parts: `shard` (first 16 bits), `high` and `low` (next 64 bits as
   * two unsigned 32-bit words). True when it was new.
   */
  addKey(shard: number, high: number, low: number): boolean {
    return this.insert(shard, (high ^ MIN) | 0, low | 0);
  }

  /** Removes a fingerprint's key; true when it was present (used to undo a batch whose write failed). */
  delete(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    const shard = (fp[0] << 8) | fp[1];
    const high = word(fp, 2) ^ MIN;
    const low = word(fp, 6);
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

  /** Calls `fn` for every kept key, in ascending key order. */
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
    bytes += 3 * this.batchShard.byteLength + 16 * this.zeroKeys.size;
    // Slots past a slab's capacity and tail are never written, so their pages stay uncommitted.
    for (let slab = 0; slab < SLABS; slab++) if (this.ends[slab] > 0) bytes += Math.min(this.ends[slab], this.caps[slab] + TAIL) * 8;
    return bytes;
  }

  /** Drops every key and frees the slabs. */
  clear(): void {
    for (let i = 0; i < SLABS; i++) this.segs[i] = [];
    this.memory = null;
    this.heap = new Int32Array(0);
    this.top = 0;
    this.ends.fill(0);
    this.caps.fill(0);
    this.scale.fill(0);
    this.live.fill(0);
    this.maxLive.fill(0);
    this.bound.fill(0);
    this.zeroKeys.clear();
    this.positions = new Int32Array(0);
    this.count = 0;
  }

  /**
   * Bulk load: adds many fingerprints at once, far faster than one by one (no per-key
   * insertion; each shard is sorted once). `keys` holds `count` records of `stride` bytes back
   * to back, each starting with a fingerprint. Returns how many were new.
   */
  addBulk(keys: Uint8Array, count: number, stride: number = FINGERPRINT_BYTES): number {
    return this.bulkLoad((visit) => visit(keys, count), stride);
  }

  /**
   * Bulk load from a source too big for one buffer (a seen log on disk). `source` is called
   * exactly twice and must hand `visit` the same records both times, as buffers of `count`
   * records of `stride` bytes: the first pass counts keys per shard so that every slab is
   * sized once, the second stages each key in its shard's run. Each run is then sorted and the
   * slab laid out in one pass. Returns how many were new.
   */
  bulkLoad(source: (visit: (records: Uint8Array, count: number) => void) => void, stride: number = FINGERPRINT_BYTES): number {
    if (stride < KEY_BYTES) throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, `bulk stride ${stride} is shorter than a key`);
    const checkRecords = (records: Uint8Array, count: number): void => {
      if (records.length < count * stride) throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, 'bulk buffer shorter than count × stride');
    };
    const incoming = new Int32Array(SHARDS);
    source((records, count) => {
      checkRecords(records, count);
      for (let i = 0, o = 0; i < count; i++, o += stride) incoming[(records[o] << 8) | records[o + 1]]++;
    });
    // Stage: each slab receiving keys keeps its present keys, packed, at its front and gets
    // the incoming ones appended behind them, in arrival order (one write stream per slab, so
    // the writes stay in cache); the shard of each incoming key is noted in `subs`.
    const more = new Int32Array(SLABS);
    const subBase = new Int32Array(SLABS + 1);
    for (let slab = 0; slab < SLABS; slab++) {
      for (let t = 0; t < SUBS; t++) more[slab] += incoming[(slab << SUB_BITS) + t];
      subBase[slab + 1] = subBase[slab] + more[slab];
    }
    const subs = new Uint8Array(subBase[SLABS]);
    const present = new Int32Array(SLABS * SUBS);
    const fill = new Int32Array(SLABS);
    const firstNew = new Int32Array(SLABS);
    const stagedEnd = new Int32Array(SLABS).fill(-1);
    const sizedCap = new Int32Array(SLABS);
    let longest = 0;
    for (let slab = 0; slab < SLABS; slab++) {
      if (more[slab] === 0) continue;
      const oldEnd = this.ends[slab];
      const n = this.compact(slab);
      present.set(this.perSub, slab * SUBS);
      const cap = Math.max(this.caps[slab], Math.ceil((n + more[slab]) / BULK_LOAD), MIN_CAP);
      this.ensureSlots(slab, cap + TAIL);
      fill[slab] = n;
      firstNew[slab] = n;
      stagedEnd[slab] = Math.max(oldEnd, n + more[slab]);
      sizedCap[slab] = cap;
      longest = Math.max(longest, n + more[slab]);
    }
    const heap = this.heap;
    source((records, count) => {
      checkRecords(records, count);
      for (let i = 0, o = 0; i < count; i++, o += stride) {
        const s = (records[o] << 8) | records[o + 1];
        // A source that hands more records the second time must not overrun the room.
        if (incoming[s] === 0) throw new StoreError(ErrorCodes.STORE_IO, 'bulk source changed between passes');
        incoming[s]--;
        const slab = s >>> SUB_BITS;
        const at = fill[slab]++;
        subs[subBase[slab] + at - firstNew[slab]] = s & SUB_MASK;
        const a = this.segs[slab][at >>> SEG_SHIFT] + ((at & SEG_MASK) << 1);
        heap[a] = word(records, o + 6);
        heap[a + 1] = word(records, o + 2) ^ MIN;
      }
    });
    return this.finishBulk({ subs, subBase, present, fill, firstNew, stagedEnd, sizedCap, longest });
  }

  /**
   * Second half of a bulk load: per staged slab, a counting sort by shard into a contiguous
   * scratch (the slab's keys fit in cache), a sort of each shard's run, repeats dropped while
   * the keys are packed back to the slab's front, then one layout pass. Returns how many keys
   * were new.
   */
  private finishBulk(staged: BulkStaging): number {
    const { subs, subBase, present, fill, firstNew, stagedEnd, sizedCap, longest } = staged;
    const scratch = new Int32Array(longest * 2);
    const scratchKeys = LITTLE_ENDIAN ? new BigInt64Array(scratch.buffer) : null;
    const count = new Int32Array(SUBS);
    const at = new Int32Array(SUBS);
    let added = 0;
    for (let slab = 0; slab < SLABS; slab++) {
      if (stagedEnd[slab] < 0) continue;
      const segs = this.segs[slab];
      const first = slab << SUB_BITS;
      const total = fill[slab];
      const old = firstNew[slab];
      const base = subBase[slab] - old;
      for (let t = 0; t < SUBS; t++) count[t] = present[slab * SUBS + t];
      for (let i = old; i < total; i++) count[subs[base + i]]++;
      for (let t = 0, o = 0; t < SUBS; t++) {
        at[t] = o;
        o += count[t];
      }
      const heap = this.heap;
      let sub = 0;
      let left = present[slab * SUBS]; // present keys of the current shard still to place
      for (let i = 0; i < total; i++) {
        let t: number;
        if (i < old) {
          while (left === 0) left = present[slab * SUBS + ++sub];
          left--;
          t = sub;
        } else t = subs[base + i];
        const a = segs[i >>> SEG_SHIFT] + ((i & SEG_MASK) << 1);
        const j = at[t]++ * 2;
        scratch[j] = heap[a];
        scratch[j + 1] = heap[a + 1];
      }
      // Sort each shard's run and drop repeats (and the all-zero key) in place.
      let kept = 0;
      for (let t = 0, start = 0; t < SUBS; start += count[t], t++) {
        const n = count[t];
        if (n > 1) {
          if (scratchKeys) scratchKeys.subarray(start, start + n).sort();
          else sortPairs(scratch.subarray(start * 2, (start + n) * 2), n);
        }
        const before = kept;
        for (let k = start; k < start + n; k++) {
          const l = scratch[k * 2];
          const h = scratch[k * 2 + 1];
          if (h === 0 && l === 0) {
            if (!this.zeroKeys.has(first + t)) {
              this.zeroKeys.add(first + t);
              added++;
            }
            continue;
          }
          if (kept > before && scratch[kept * 2 - 2] === l && scratch[kept * 2 - 1] === h) continue;
          scratch[kept * 2] = l;
          scratch[kept * 2 + 1] = h;
          kept++;
        }
        this.perSub[t] = kept - before;
      }
      added += kept - this.live[slab];
      this.placeSorted(slab, scratch, kept, stagedEnd[slab], sizedCap[slab]);
    }
    this.count += added;
    return added;
  }

  /**
   * Writes `n` sorted keys (`perSub` per shard) from `keys` into a slab whose slots before
   * `staleEnd` may hold stale words, each at max(its home, the slot after the previous key),
   * for a capacity of at least `cap` (more if the last keys would overflow the tail).
   */
  private placeSorted(slab: number, keys: Int32Array, n: number, staleEnd: number, cap: number): void {
    const segs = this.segs[slab];
    const firstAt = this.firstAt;
    let dirty = staleEnd;
    for (;;) {
      this.ensureSlots(slab, cap + TAIL);
      const heap = this.heap;
      const end = this.ends[slab];
      for (let p = 0; p < Math.min(dirty, end); p++) {
        const a = segs[p >>> SEG_SHIFT] + ((p & SEG_MASK) << 1);
        heap[a] = 0;
        heap[a + 1] = 0;
      }
      const scale = cap / (SUBS * TWO_32);
      firstAt.fill(-1);
      let prev = -1;
      let i = 0;
      for (let t = 0; t < SUBS && prev < end; t++) {
        const offset = t * TWO_32 + 2147483648;
        for (let k = this.perSub[t]; k > 0; k--, i++) {
          const h = keys[i * 2 + 1];
          const home = Math.floor((h + offset) * scale);
          prev = home > prev ? home : prev + 1;
          if (prev >= end) break;
          if (firstAt[t] < 0) firstAt[t] = prev;
          const a = segs[prev >>> SEG_SHIFT] + ((prev & SEG_MASK) << 1);
          heap[a] = keys[i * 2];
          heap[a + 1] = h;
        }
      }
      if (prev < end) {
        this.finishLayout(slab, n, cap, scale);
        return;
      }
      dirty = end; // overflowed the tail: clear what was written and retry with more room
      cap = Math.ceil(cap * GROWTH);
    }
  }

  /** Records a slab's new capacity and key count, and its shard bounds from `firstAt`. */
  private finishLayout(slab: number, n: number, cap: number, scale: number): void {
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

  /** Copies slot `from` of a slab to slot `to`. */
  private copySlot(slab: number, from: number, to: number): void {
    const segs = this.segs[slab];
    const heap = this.heap;
    const i = segs[from >>> SEG_SHIFT] + ((from & SEG_MASK) << 1);
    const j = segs[to >>> SEG_SHIFT] + ((to & SEG_MASK) << 1);
    heap[j] = heap[i];
    heap[j + 1] = heap[i + 1];
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

  /** Test-and-set of one key (`high` biased); true when it was new. */
  private insert(shard: number, high: number, low: number): boolean {
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
   * Moves a slab's keys, in order, to its first slots (each moves left, so a forward pass is
   * safe) and counts them per shard into `perSub`. Returns how many there are.
   */
  private compact(slab: number): number {
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

  /**
   * Appends zeroed segments to a slab until it holds at least `slots` slots. Segments are never
   * reallocated or freed while the set lives, so growth leaves no old copy behind for the
   * allocator to fragment, and every segment has the same size.
   */
  private ensureSlots(slab: number, slots: number): void {
    const segs = this.segs[slab];
    const need = Math.ceil(slots / SEG_SLOTS) - segs.length;
    if (need <= 0) return;
    const words = this.top + need * SEG_WORDS;
    if (words + 16 > this.heap.length) this.growHeap(words + 16); // + 16: the look-ahead reads of addMany stay inside
    for (let k = 0; k < need; k++) {
      segs.push(this.top);
      this.top += SEG_WORDS;
    }
    this.ends[slab] = segs.length * SEG_SLOTS;
  }

  /** Grows the linear memory in place to hold at least `words` words (pages past use stay uncommitted). */
  private growHeap(words: number): void {
    const pages = Math.ceil((words * 4) / WASM_PAGE);
    if (pages > WASM_MAX_PAGES) {
      throw new StoreError(ErrorCodes.STORE_IO, `seen set full: it would need more than ${WASM_MAX_PAGES * WASM_PAGE} bytes`);
    }
    if (this.memory === null) this.memory = new WasmMemoryClass({ initial: 0, maximum: WASM_MAX_PAGES });
    const have = this.memory.buffer.byteLength / WASM_PAGE;
    // Reserving ahead costs nothing (untouched pages are not resident) and keeps grows rare.
    const want = Math.min(WASM_MAX_PAGES, Math.max(pages, have + (have >>> 2), 64));
    this.memory.grow(want - have);
    this.heap = new Int32Array(this.memory.buffer);
  }
}

/** What the staging half of a bulk load hands to its second half. */
interface BulkStaging {
  /** Shard-in-slab of each incoming key, per slab from `subBase[slab]`, in staging order. */
  subs: Uint8Array;
  subBase: Int32Array;
  /** Keys already present per shard (slab × 256 + shard-in-slab), packed before the incoming ones. */
  present: Int32Array;
  /** Per slab: keys staged in all, and the slot of the first incoming one. */
  fill: Int32Array;
  firstNew: Int32Array;
  /** Per slab: slots that may hold stale words (-1: slab untouched), and its capacity. */
  stagedEnd: Int32Array;
  sizedCap: Int32Array;
  /** Most keys staged in one slab. */
  longest: number;
}

/** Portable sort of `n` word pairs by (biased high signed, low unsigned), for big-endian machines. */
function sortPairs(run: Int32Array, n: number): void {
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => run[a * 2 + 1] - run[b * 2 + 1] || (run[a * 2] ^ MIN) - (run[b * 2] ^ MIN));
  const copy = run.slice(0, n * 2);
  for (let i = 0; i < n; i++) {
    run[i * 2] = copy[order[i] * 2];
    run[i * 2 + 1] = copy[order[i] * 2 + 1];
  }
}
