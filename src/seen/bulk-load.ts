/**
 * Bulk loading of the seen set's tables: many keys at once, with no per-key insertion.
 *
 * Why: reopening a job directory loads every fingerprint ever seen. Inserting them one by one
 * shifts keys and grows each slab many times; instead every slab is sized once, its keys are
 * sorted once per shard, and the sorted run is written straight to its final slots.
 *
 * Invariants:
 * - the source hands the same records on both passes: the first counts keys per shard and sizes
 *   every slab, the second stages them into the room reserved, and a second pass that brings
 *   more keys for a shard than the first is an error, never an overrun;
 * - while a slab is staged its present keys are packed at its front and the incoming ones follow
 *   in arrival order, so every slab is one write stream and its writes stay in cache;
 * - what is written keeps every slab invariant of {@link SlabTables}: sorted keys, each at
 *   max(its home, the slot after the previous key), with bounds and counts to match; repeats and
 *   the all-zero key never take a slot.
 */
import { ErrorCodes, StoreError } from '../errors.ts';
import * as fingerprintKey from './fingerprint-key.ts';
import * as segmentHeap from './segment-heap.ts';
import * as slabGeometry from './slab-geometry.ts';
import type { SlabTables } from './slab-tables.ts';

// Module constants, not imported bindings, in the hot loops: V8 folds a module's own constants
// into optimized code but reloads an imported binding at every use.
const { SEG_SHIFT, SEG_MASK } = segmentHeap;
const { SUB_BITS, SUBS, SUB_MASK, SLABS, SHARDS, TWO_32, TAIL, MIN_CAP, GROWTH } = slabGeometry;
const { KEY_BYTES, LITTLE_ENDIAN, word } = fingerprintKey;
const MIN = fingerprintKey.HIGH_BIAS;
/** Load right after a bulk load. */
const BULK_LOAD = 0.7;

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

/**
 * Adds every record of `source` to `tables` and returns how many keys were new. `source` is
 * called exactly twice and must hand `visit` the same records both times, as buffers of
 * `count` records of `stride` bytes, each starting with a fingerprint.
 */
export function bulkLoad(tables: SlabTables, source: (visit: (records: Uint8Array, count: number) => void) => void, stride: number): number {
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
    const oldEnd = tables.ends[slab];
    const n = tables.compact(slab);
    present.set(tables.perSub, slab * SUBS);
    const cap = Math.max(tables.caps[slab], Math.ceil((n + more[slab]) / BULK_LOAD), MIN_CAP);
    tables.ensureSlots(slab, cap + TAIL);
    fill[slab] = n;
    firstNew[slab] = n;
    stagedEnd[slab] = Math.max(oldEnd, n + more[slab]);
    sizedCap[slab] = cap;
    longest = Math.max(longest, n + more[slab]);
  }
  const heap = tables.heap;
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
      const a = tables.segs[slab][at >>> SEG_SHIFT] + ((at & SEG_MASK) << 1);
      heap[a] = word(records, o + 6);
      heap[a + 1] = word(records, o + 2) ^ MIN;
    }
  });
  return finishBulk(tables, { subs, subBase, present, fill, firstNew, stagedEnd, sizedCap, longest });
}

/**
 * Second half of a bulk load: per staged slab, a counting sort by shard into a contiguous
 * scratch (the slab's keys fit in cache), a sort of each shard's run, repeats dropped while
 * the keys are packed back to the slab's front, then one layout pass. Returns how many keys
 * were new.
 */
function finishBulk(tables: SlabTables, staged: BulkStaging): number {
  const { subs, subBase, present, fill, firstNew, stagedEnd, sizedCap, longest } = staged;
  const scratch = new Int32Array(longest * 2);
  const scratchKeys = LITTLE_ENDIAN ? new BigInt64Array(scratch.buffer) : null;
  const count = new Int32Array(SUBS);
  const at = new Int32Array(SUBS);
  let added = 0;
  for (let slab = 0; slab < SLABS; slab++) {
    if (stagedEnd[slab] < 0) continue;
    const segs = tables.segs[slab];
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
    const heap = tables.heap;
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
          if (!tables.zeroKeys.has(first + t)) {
            tables.zeroKeys.add(first + t);
            added++;
          }
          continue;
        }
        if (kept > before && scratch[kept * 2 - 2] === l && scratch[kept * 2 - 1] === h) continue;
        scratch[kept * 2] = l;
        scratch[kept * 2 + 1] = h;
        kept++;
      }
      tables.perSub[t] = kept - before;
    }
    added += kept - tables.live[slab];
    placeSorted(tables, slab, scratch, kept, stagedEnd[slab], sizedCap[slab]);
  }
  tables.count += added;
  return added;
}

/**
 * Writes `n` sorted keys (`perSub` per shard) from `keys` into a slab whose slots before
 * `staleEnd` may hold stale words, each at max(its home, the slot after the previous key),
 * for a capacity of at least `cap` (more if the last keys would overflow the tail).
 */
function placeSorted(tables: SlabTables, slab: number, keys: Int32Array, n: number, staleEnd: number, cap: number): void {
  const segs = tables.segs[slab];
  const firstAt = tables.firstAt;
  const perSub = tables.perSub;
  let dirty = staleEnd;
  for (;;) {
    tables.ensureSlots(slab, cap + TAIL);
    const heap = tables.heap;
    const end = tables.ends[slab];
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
      for (let k = perSub[t]; k > 0; k--, i++) {
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
      tables.finishLayout(slab, n, cap, scale);
      return;
    }
    dirty = end; // overflowed the tail: clear what was written and retry with more room
    cap = Math.ceil(cap * GROWTH);
  }
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
